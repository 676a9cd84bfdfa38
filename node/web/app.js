// neuromesh web view: a live window on one namespace of the mesh, fed by the node's
// Server-Sent Events stream (/events). Plain JS, no build step. Everything is bounded:
// at most MAX signals are kept (the oldest drop out), the signal list is virtualised
// (only the rows on screen exist in the DOM) and rendering happens once per frame.
"use strict";

const MAX = 10000;        // signals kept in the page
const ROW = 22;           // px, matches --row
const LAT_KEEP = 2000;    // latency samples kept per metric
const TYPES = ["TASK","AGENT_OUTPUT","FINAL","ERROR","TASK_OFFER","BID","TASK_AWARDED","TASK_DECLINED",
  "AUDIT","PLAN","TOOL_CALL","TOOL_RESULT","MEMORY_APPEND","ESCALATION","RECALL","RECALLED","IMPRINT",
  "IMPRINTED","CONSENSUS","CONTEXT_SYNC","CRITIQUE","CLARIFICATION","PERMISSION","PERMISSION_DECISION",
  "CLARIFICATION_ANSWER","REGISTER","DEREGISTER","HEARTBEAT","DISCOVER","STOP","STOPPED"];
const TASK_REPLIES = new Set(["AGENT_OUTPUT","FINAL","ERROR","CLARIFICATION","PERMISSION"]);

const $ = (id) => document.getElementById(id);
const state = {
  signals: [],            // ring, oldest first (trimmed in batches)
  byId: new Map(),        // id -> signal
  traces: new Map(),      // trace_id -> {ids: [], last: ts}
  neurons: new Map(),     // id -> {id, role, kind, caps, version, count, last, lastAt, liveness}
  pending: [],            // arrived, not yet applied
  filtered: null,         // cached filtered list (null: dirty)
  selected: null, selectedTrace: null, tab: "stream",
  total: 0, perSecond: new Array(60).fill(0), secondStart: 0,
  openReq: {task: new Map(), tool: new Map(), recall: new Map()},
  lat: {task: [], tool: [], recall: []},
  dirty: true, info: null,
};

// ---- stream ------------------------------------------------------------------------
function connect() {
  const es = new EventSource("/events");
  es.addEventListener("hello", (e) => {
    state.info = JSON.parse(e.data);
    $("ns").textContent = state.info.namespace;
    $("endpoints").textContent = "broker " + state.info.broker_url;
    $("conn").textContent = "live"; $("conn").className = "pill on";
    resetSignals();
  });
  es.onmessage = (e) => { state.pending.push(e.data); schedule(); };
  es.onerror = () => { $("conn").textContent = "reconnecting"; $("conn").className = "pill off"; };
}

let frameQueued = false;
function schedule() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(frame);
}

function frame() {
  frameQueued = false;
  const batch = state.pending; state.pending = [];
  for (const text of batch) {
    let s; try { s = JSON.parse(text); } catch { continue; }
    ingest(s);
  }
  if (state.signals.length > MAX + 500) trim();
  if (batch.length) { state.filtered = null; state.dirty = true; }
  if (state.dirty) render();
}

function ingest(s) {
  s._at = Date.now();
  state.signals.push(s);
  state.byId.set(s.id, s);
  let tr = state.traces.get(s.trace_id);
  if (!tr) { tr = {ids: []}; state.traces.set(s.trace_id, tr); }
  tr.ids.push(s.id); tr.last = s._at;
  state.total++;
  countRate(s._at);
  const who = s.directed && s.directed.id;
  if (who) {
    let n = state.neurons.get(who);
    if (!n && s.type === "REGISTER") n = newNeuron(who);
    if (n) {
      n.count++; n.last = s.type; n.lastAt = s._at;
      if (s.type === "REGISTER") {
        n.role = s.payload.role || n.role; n.kind = s.directed.type || n.kind;
        n.caps = s.payload.capabilities || n.caps; n.version = s.payload.version || n.version;
        n.liveness = "alive";
      } else if (s.type === "DEREGISTER") n.liveness = "deregistered";
      else if (s.type === "HEARTBEAT") n.liveness = "alive";
      state.neuronsDirty = true;
    }
  }
  pairLatency(s);
}

function newNeuron(id) {
  const n = {id, role: "", kind: "", caps: [], version: "", count: 0, last: "", lastAt: 0, liveness: "alive"};
  state.neurons.set(id, n);
  return n;
}

function trim() {
  const drop = state.signals.length - MAX;
  const gone = state.signals.splice(0, drop);
  for (const s of gone) {
    state.byId.delete(s.id);
    const tr = state.traces.get(s.trace_id);
    if (tr) { tr.ids.shift(); if (!tr.ids.length) state.traces.delete(s.trace_id); }
  }
}

function resetSignals() {
  state.signals = []; state.byId.clear(); state.traces.clear(); state.filtered = null;
  state.dirty = true;
}

// ---- metrics -----------------------------------------------------------------------
function countRate(now) {
  const sec = Math.floor(now / 1000);
  if (!state.secondStart) state.secondStart = sec;
  while (state.secondStart < sec) { state.perSecond.push(0); state.perSecond.shift(); state.secondStart++; }
  state.perSecond[state.perSecond.length - 1]++;
}

function pairLatency(s) {
  const t = Date.parse(s.ts) || s._at;
  const open = state.openReq;
  const start = (m, key) => { m.set(key, t); if (m.size > 5000) m.delete(m.keys().next().value); };
  const end = (m, key, arr) => {
    if (!key || !m.has(key)) return;
    arr.push(Math.max(0, t - m.get(key))); m.delete(key);
    if (arr.length > LAT_KEEP) arr.shift();
  };
  if (s.type === "TASK") start(open.task, s.id);
  else if (s.type === "TOOL_CALL") start(open.tool, s.id);
  else if (s.type === "RECALL") start(open.recall, s.id);
  else if (s.type === "TOOL_RESULT") end(open.tool, s.parent_id, state.lat.tool);
  else if (s.type === "RECALLED") end(open.recall, s.parent_id, state.lat.recall);
  else if (TASK_REPLIES.has(s.type)) end(open.task, s.parent_id, state.lat.task);
}

function summary(arr) {
  if (!arr.length) return "–";
  const sorted = arr.slice().sort((a, b) => a - b);
  const avg = arr.reduce((a, b) => a + b, 0) / arr.length;
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
  return `${arr.length} · avg ${avg.toFixed(0)} ms · p99 ${p99} ms`;
}

function spark(canvas, values) {
  const c = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  c.clearRect(0, 0, w, h);
  if (!values.length) return;
  const max = Math.max(1, ...values);
  c.strokeStyle = "#5fb3f9"; c.beginPath();
  values.forEach((v, i) => {
    const x = values.length === 1 ? w : (i / (values.length - 1)) * w;
    const y = h - 2 - (v / max) * (h - 4);
    if (i) c.lineTo(x, y); else c.moveTo(x, y);
  });
  c.stroke();
}

function renderMetrics() {
  const ps = state.perSecond;
  $("stat-rate").textContent = ps[ps.length - 2] || 0;
  $("stat-total").textContent = state.total;
  spark($("chart-rate"), ps.slice(0, -1));
  for (const k of ["task", "tool", "recall"]) {
    $("m-" + k).textContent = summary(state.lat[k]);
    spark($("chart-" + k), state.lat[k].slice(-60));
  }
}

// ---- participants ------------------------------------------------------------------
async function pollNeurons() {
  try {
    const r = await fetch("/api/neurons");
    if (r.ok) {
      for (const rec of await r.json()) {
        const n = state.neurons.get(rec.neuron_id) || newNeuron(rec.neuron_id);
        n.liveness = rec.liveness;
        if (!n.caps.length) n.caps = rec.capabilities || [];
        if (!n.version && rec.version) n.version = rec.version;
      }
      state.neuronsDirty = true; state.dirty = true; schedule();
    }
  } catch { /* the node is restarting; the next poll retries */ }
  setTimeout(pollNeurons, 2000);
}

function ago(at) {
  if (!at) return "";
  const s = Math.round((Date.now() - at) / 1000);
  return s < 60 ? `${s}s ago` : `${Math.round(s / 60)}m ago`;
}

function renderParticipants() {
  const list = [...state.neurons.values()].sort((a, b) => a.id.localeCompare(b.id));
  const html = list.map((n) => `<div class="participant" data-id="${esc(n.id)}" data-liveness="${n.liveness}">
    <span class="id">${esc(n.id)}</span><span class="badge ${n.liveness}">${n.liveness}</span>
    <div class="caps">${esc(n.role || "neuron")}${n.kind ? " · " + esc(n.kind) : ""}${n.version ? " · v" + esc(n.version) : ""}</div>
    <div class="caps">${esc((n.caps || []).join(", ")) || "no capabilities"}</div>
    <div class="caps">${n.count} signals${n.last ? " · last " + esc(n.last) + " " + ago(n.lastAt) : ""}</div></div>`).join("");
  $("participants").innerHTML = html || '<div class="muted">No participants yet. Agents connect to the broker and REGISTER.</div>';
  $("stat-alive").textContent = list.filter((n) => n.liveness === "alive").length;
  const sel = $("dispatch-neuron"), keep = sel.value;
  sel.innerHTML = '<option value="">(by capabilities)</option>' + list.filter((n) => n.liveness !== "deregistered")
    .map((n) => `<option value="${esc(n.id)}">${esc(n.id)}</option>`).join("");
  sel.value = keep;
}

// ---- signal list (virtualised) -----------------------------------------------------
function filteredSignals() {
  if (state.filtered) return state.filtered;
  const type = $("f-type").value, trace = $("f-trace").value.trim(), neuron = $("f-neuron").value.trim();
  state.filtered = (!type && !trace && !neuron) ? state.signals : state.signals.filter((s) =>
    (!type || s.type === type) && (!trace || s.trace_id.includes(trace)) &&
    (!neuron || (s.directed && s.directed.id && s.directed.id.includes(neuron))));
  return state.filtered;
}

function rowHtml(s) {
  const who = s.directed ? (s.directed.id || s.directed.type || (s.directed.capabilities || []).join(",")) : "";
  return `<div class="row sig-row${state.selected === s.id ? " sel" : ""}" data-id="${s.id}" data-type="${s.type}">
    <span class="t">${esc((s.ts || "").slice(11, 23))}</span><span class="ty ${s.type}">${s.type}</span>
    <span class="who">${esc(who || "")}</span><span class="tr">${esc(s.trace_id)}</span>
    <span class="pa">${s.parent_id ? "↳ " + esc(s.parent_id) : ""}</span></div>`;
}

let stickToBottom = true;
function renderStream() {
  const list = filteredSignals(), vp = $("viewport");
  $("spacer").style.height = list.length * ROW + "px";
  if (stickToBottom) vp.scrollTop = list.length * ROW;
  const first = Math.max(0, Math.floor(vp.scrollTop / ROW) - 5);
  const count = Math.ceil(vp.clientHeight / ROW) + 10;
  const rows = $("rows");
  rows.style.transform = `translateY(${first * ROW}px)`;
  rows.innerHTML = list.slice(first, first + count).map(rowHtml).join("");
}

// ---- traces ------------------------------------------------------------------------
function renderTraces() {
  // Lifecycle-only traces (each HEARTBEAT is a trace of its own) stay out of the list.
  const lifecycle = new Set(["HEARTBEAT", "REGISTER", "DEREGISTER", "DISCOVER"]);
  const items = [...state.traces.entries()].filter(([, t]) => t.ids.length &&
    t.ids.some((id) => { const s = state.byId.get(id); return s && !lifecycle.has(s.type); }))
    .sort((a, b) => b[1].last - a[1].last).slice(0, 200);
  $("trace-list").innerHTML = items.map(([id, t]) => {
    const first = state.byId.get(t.ids[0]);
    return `<div class="trace-item${id === state.selectedTrace ? " sel" : ""}" data-trace-item="${esc(id)}">
      ${esc(id)}<br><span class="muted">${first ? first.type : ""} · ${t.ids.length} signals</span></div>`;
  }).join("");
  const view = $("trace-view");
  const tr = state.selectedTrace && state.traces.get(state.selectedTrace);
  // Rebuild the tree only when it changed: a stable DOM keeps clicks on it reliable.
  const key = tr ? `${state.selectedTrace}|${tr.ids.length}|${state.selected}` : "";
  if (view.dataset.key === key) return;
  view.dataset.key = key;
  if (!tr) { view.innerHTML = '<div class="muted">Select a trace.</div>'; return; }
  // Lineage: children by parent_id; roots have no parent in this trace.
  const sigs = tr.ids.map((id) => state.byId.get(id)).filter(Boolean);
  const kids = new Map(), inTrace = new Set(sigs.map((s) => s.id));
  const roots = [];
  for (const s of sigs) {
    if (s.parent_id && inTrace.has(s.parent_id)) {
      if (!kids.has(s.parent_id)) kids.set(s.parent_id, []);
      kids.get(s.parent_id).push(s);
    } else roots.push(s);
  }
  const tree = (s, depth) => depth > 50 ? "" :
    `<div class="node">${rowHtml(s)}${(kids.get(s.id) || []).map((c) => tree(c, depth + 1)).join("")}</div>`;
  view.innerHTML = `<div data-trace="${esc(state.selectedTrace)}">${roots.map((s) => tree(s, 0)).join("")}</div>`;
}

// ---- inspector and answers ---------------------------------------------------------
function renderInspector() {
  const s = state.selected && state.byId.get(state.selected);
  const box = $("inspector");
  if (!s) { box.innerHTML = '<div class="muted">Select a signal.</div>'; return; }
  const { _at, ...wire } = s;
  let html = `<div><b class="ty ${s.type}">${s.type}</b> <span class="muted">${esc(s.id)}</span></div>
    <div class="muted">trace <a href="#" data-goto-trace="${esc(s.trace_id)}">${esc(s.trace_id)}</a></div>
    <pre>${esc(JSON.stringify(wire, null, 2))}</pre>`;
  if (s.type === "CLARIFICATION") {
    html += `<div class="answer"><input id="answer-text" placeholder="your answer">
      <button id="answer-send" data-req="${esc(s.id)}">Answer</button></div>`;
  } else if (s.type === "PERMISSION") {
    html += `<div class="answer"><input id="answer-reason" placeholder="reason (optional)">
      <button id="grant" data-req="${esc(s.id)}">Grant</button><button id="deny" data-req="${esc(s.id)}">Deny</button></div>`;
  }
  html += '<div id="answer-result" class="muted"></div>';
  box.innerHTML = html;
}

async function post(path, body) {
  const r = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(typeof data.detail === "string" ? data.detail : `HTTP ${r.status}`);
  return data;
}

async function sendAnswer(body) {
  try {
    const r = await post("/api/answer", body);
    $("answer-result").textContent = `sent ${r.type} ${r.id}`;
  } catch (e) { $("answer-result").textContent = "failed: " + e.message; }
}

// ---- rendering -----------------------------------------------------------------------
// The list renders every frame it changed; the side panels at most a few times a second
// (the 1 s tick below brings them up to date), so a flood costs one list render per frame.
let lastPanels = 0;
function render() {
  state.dirty = false;
  if (state.tab === "stream") renderStream(); else renderTraces();
  const now = performance.now();
  if (now - lastPanels < 250) return;
  lastPanels = now;
  if (state.neuronsDirty) { state.neuronsDirty = false; renderParticipants(); }
  renderMetrics();
}

function esc(v) {
  return String(v).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function selectTab(tab) {
  state.tab = tab;
  document.querySelectorAll(".tabs [data-tab]").forEach((b) => b.classList.toggle("active", b.dataset.tab === tab));
  document.querySelectorAll(".pane").forEach((p) => p.classList.toggle("active", p.id === tab));
  state.dirty = true; schedule();
}

function showTrace(id) { state.selectedTrace = id; selectTab("traces"); }

function wire() {
  $("f-type").innerHTML += TYPES.map((t) => `<option>${t}</option>`).join("");
  for (const id of ["f-type", "f-trace", "f-neuron"]) $(id).addEventListener("input", () => { state.filtered = null; state.dirty = true; schedule(); });
  $("f-clear").onclick = () => { resetSignals(); schedule(); };
  document.querySelectorAll(".tabs [data-tab]").forEach((b) => b.onclick = () => selectTab(b.dataset.tab));
  $("viewport").addEventListener("scroll", () => {
    const vp = $("viewport");
    stickToBottom = vp.scrollTop + vp.clientHeight >= vp.scrollHeight - ROW;
    state.dirty = true; schedule();
  });
  // Rows and traces are picked on mousedown: a live list may re-render between press and
  // release, which would swallow a click.
  document.body.addEventListener("mousedown", (e) => {
    const row = e.target.closest(".sig-row");
    if (row) { state.selected = row.dataset.id; renderInspector(); state.dirty = true; schedule(); return; }
    const ti = e.target.closest("[data-trace-item]");
    if (ti) showTrace(ti.dataset.traceItem);
  });
  document.body.addEventListener("click", (e) => {
    const gt = e.target.closest("[data-goto-trace]");
    if (gt) { e.preventDefault(); showTrace(gt.dataset.gotoTrace); return; }
    const p = e.target.closest(".participant");
    if (p) { $("f-neuron").value = p.dataset.id; $("dispatch-neuron").value = p.dataset.id; state.filtered = null; selectTab("stream"); return; }
    if (e.target.id === "answer-send") sendAnswer({request_id: e.target.dataset.req, answer: $("answer-text").value});
    if (e.target.id === "grant" || e.target.id === "deny") {
      const reason = $("answer-reason").value;
      sendAnswer({request_id: e.target.dataset.req, granted: e.target.id === "grant", ...(reason ? {reason} : {})});
    }
  });
  $("dispatch").addEventListener("submit", async (e) => {
    e.preventDefault();
    const out = $("dispatch-result");
    let input;
    try { input = JSON.parse($("dispatch-input").value); } catch (err) { out.textContent = "input is not JSON: " + err.message; return; }
    const body = {input};
    const neuron = $("dispatch-neuron").value;
    const caps = $("dispatch-caps").value.split(",").map((c) => c.trim()).filter(Boolean);
    if (neuron) body.neuron = neuron; else body.capabilities = caps;
    try {
      const r = await post("/api/tasks", body);
      out.innerHTML = `sent TASK on <a href="#" data-goto-trace="${esc(r.trace_id)}">${esc(r.trace_id)}</a>`;
      out.dataset.trace = r.trace_id;
      showTrace(r.trace_id);
    } catch (err) { out.textContent = "failed: " + err.message; }
  });
  setInterval(() => { state.neuronsDirty = true; state.dirty = true; schedule(); }, 1000);
}

// For tests and benchmarks: what the page holds, and a way to feed it without a network.
window.neuromesh = { state, ingestText: (texts) => { state.pending.push(...texts); schedule(); } };

wire();
connect();
pollNeurons();
