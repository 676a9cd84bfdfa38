// The inbound side of a dendrite: the §4.6 pipeline, TASK routing and Neuron runs (§4.7),
// DISCOVER answers, STOP handling (§4.11), awards and auto-bids (§4.9), store mirroring.
#include "dendrite_impl.h"
#include "json_util.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/type_sets.h"
#include "neuromesh/registry/registry_store.h"
#include "neuromesh/runtime/task_router.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace neuromesh::runtime {

namespace asio = boost::asio;
namespace json = boost::json;
using protocol::signal;
using protocol::signal_type;

namespace {

using detail::payload_value;

/// payload[key] as a list of strings: {} when absent or null, nullopt when of another type.
std::optional<std::vector<std::string>> payload_caps(const signal& s, std::string_view key) {
  auto text = s.payload.find(key);
  if (!text || *text == "[]" || *text == "null") return std::vector<std::string>{};  // no parse
  auto v = payload_value(s, key);
  if (!v || v->is_null()) return std::vector<std::string>{};
  return detail::string_list(*v);
}

void reject(dendrite::impl& p, const signal& s, std::string_view why) {
  ++p.st.rejected;
  spdlog::warn("dendrite {}: rejected {} {} on {}: {}", p.o.dendrite_id,
               protocol::to_string(s.type), s.id.str(), s.trace_id.str(), why);
}

struct task_completion {
  std::shared_ptr<dendrite::impl> p;
  std::list<dendrite::impl::task_rec>::iterator rec;
  void operator()(const std::exception_ptr& e) const {
    bool cancelled = rec->cancelled;
    p->task_done(rec);
    if (!e || cancelled) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("dendrite {}: neuron run failed: {}", p->o.dendrite_id, ex.what());
    }
  }
};

// rec stays valid until task_completion runs, after this coroutine finished.
// The FINAL that follows the AGENT_OUTPUT of a TASK with payload.finalize.
std::optional<signal> final_of(const axon& a, const signal& task, const signal& reply) {
  if (reply.type != signal_type::agent_output || task.payload.find("finalize") != "true")
    return std::nullopt;
  json::value output = json::object();
  if (auto text = reply.payload.find("output")) output = json::parse(*text);
  return protocol::final_signal({.result = std::move(output)},
                                {.directed = protocol::directed{.id = a.neuron_id()},
                                 .trace = reply.trace_id,
                                 .parent = reply.id});
}

// In process: a plain function, so that neither Signal is held in task_main's coroutine frame
// (a frame over asio's 1,020-byte recycling limit is a malloc and a free per Neuron run).
void publish_replies_now(dendrite::impl& p, const axon& a, const signal& task, signal&& reply) {
  auto fin = final_of(a, task, reply);
  if (p.publish_now(std::move(reply))) ++p.st.replies;
  if (fin && p.publish_now(std::move(*fin))) ++p.st.replies;
}

// Over a transport: the FINAL promotion, when there is one, on the heap (it is rare, and a
// Signal held in task_main's frame would take it past asio's 1,020-byte recycling limit).
std::unique_ptr<signal> final_on_heap(const axon& a, const signal& task, const signal& reply) {
  auto fin = final_of(a, task, reply);
  return fin ? std::make_unique<signal>(std::move(*fin)) : nullptr;
}

asio::awaitable<void> task_main(std::shared_ptr<dendrite::impl> p, std::shared_ptr<axon> a,
                                dendrite::impl::task_rec* rec) {
  const signal& task = rec->task();
  auto reply = co_await a->async_handle_task(&task, p->self);
  if (rec->cancelled) co_return;  // a STOPped Neuron publishes nothing
  if (p->memory_bus) {            // in process: no coroutine frame per publish
    publish_replies_now(*p, *a, task, std::move(reply));
    co_return;
  }
  // The transport's own publish awaited here: no frame of ours per reply.
  auto fin = final_on_heap(*a, task, reply);
  auto sending = p->send(std::move(reply));
  auto ec = co_await std::move(sending);
  if (p->sent(ec)) ++p->st.replies;
  if (!fin) co_return;
  sending = p->send(std::move(*fin));
  ec = co_await std::move(sending);
  if (p->sent(ec)) ++p->st.replies;
}

asio::awaitable<void> run_async_handler(std::shared_ptr<dendrite::impl> p,
                                        signal_handler::async_fn fn, signal s) {
  try {
    co_await fn(s);
  } catch (const std::exception& ex) {
    ++p->st.handler_errors;
    spdlog::warn("dendrite {}: handler for {} threw: {}", p->o.dendrite_id,
                 protocol::to_string(s.type), ex.what());
  }
}

/// One registry_store call of mirroring (§4.13), made on the blocking pool.
asio::awaitable<void> mirror_call(std::shared_ptr<dendrite::impl> p, signal_type t,
                                  registry::neuron_record r, std::optional<std::string> status) {
  struct pending_guard {
    std::size_t& n;
    ~pending_guard() { --n; }
  } pending{p->mirror_pending};  // counted up where it was spawned
  auto* store = p->store;
  const char* what = "upsert";
  const char* reason = "register";
  std::function<registry::store_result<void>()> call;
  if (t == signal_type::register_) {
    call = [store, r] { return store->upsert(r); };
  } else if (t == signal_type::deregister) {
    what = "mark_deregistered";
    reason = "deregister";
    call = [store, id = r.neuron_id] { return store->mark_deregistered(id); };
  } else {
    what = "touch_heartbeat";
    reason = "heartbeat";
    call = [store, id = r.neuron_id, ts = *r.last_heartbeat, status] {
      return store->touch_heartbeat(id, ts, status);
    };
  }
  auto res = co_await p->store_call(std::move(call));
  if (!res) {
    p->store_call_failed(what, res.error().message);
    co_return;
  }
  p->fire_refresh({reason, r.neuron_id});
}

asio::awaitable<void> publish_one(std::shared_ptr<dendrite::impl> p, signal s) {
  co_await p->publish(std::move(s));
}

asio::awaitable<void> discover_answer(std::shared_ptr<dendrite::impl> p, std::string key,
                                      std::optional<std::string> neuron,
                                      std::vector<std::string> caps) {
  auto jitter = p->o.discover_jitter.count();
  if (jitter > 0) {
    std::uniform_int_distribution<long> dist(0, jitter);
    asio::steady_timer t(p->ex, std::chrono::milliseconds(dist(p->rng)));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  p->pending_discovers.erase(key);
  if (!p->running) co_return;
  ++p->st.discovers_answered;
  auto axons = p->axons;
  for (const auto& a : axons) {
    if (neuron && a->neuron_id() != *neuron) continue;
    if (!a->covers(caps)) continue;
    auto reg = make_register(*a);
    p->remember_own(reg.id);
    co_await p->publish(std::move(reg));
  }
}

}  // namespace

signal make_bid(const signal& offer, const std::string& neuron, double cost,
                std::optional<std::int64_t> eta_ms, std::optional<double> confidence,
                const json::object& meta) {
  return protocol::bid_signal({.cost = cost, .eta_ms = eta_ms, .confidence = confidence},
                              {.directed = protocol::directed{.id = neuron},
                               .trace = offer.trace_id,
                               .parent = offer.id,
                               .meta = protocol::raw_object(meta)});
}

synapse::handler dendrite::impl::make_handler(bool task_path) {
  std::weak_ptr<impl> weak = weak_from_this();
  if (task_path)
    return [weak](const synapse::shared_signal& s) {
      if (auto p = weak.lock()) p->on_task(s);
    };
  return [weak](const synapse::shared_signal& s) {
    if (auto p = weak.lock()) p->on_inbound(s);
  };
}

// ---- TASK ---------------------------------------------------------------------------------

void dendrite::impl::on_task(const synapse::shared_signal& s) {
  ++st.tasks_received;
  if (!handlers[idx(signal_type::task)].empty()) fire_handlers(*s);
  route_and_run(s);
}

void dendrite::impl::route_and_run(const synapse::shared_signal& shared) {
  const signal& task = *shared;
  if (axons.empty()) {
    ++st.tasks_not_hosted;
    return;
  }
  auto caps = payload_caps(task, "capabilities");
  if (!caps) return reject(*this, task, "payload.capabilities must be a list of strings");
  auto target = route_task(axons, task, *caps);
  if (!target.index) {
    ++st.tasks_not_hosted;
    return;
  }
  run_task(axons[*target.index], shared);
}

void dendrite::impl::run_task(std::shared_ptr<axon> a, synapse::shared_signal task) {
  if (spare_tasks.empty()) {
    start_task(std::move(a), tasks.emplace(tasks.end(), std::move(task)));
    return;
  }
  // A finished record's node (its cancellation slot's handler memory is reused too).
  auto rec = spare_tasks.begin();
  tasks.splice(tasks.end(), spare_tasks, rec);
  rec->shared = std::move(task);
  rec->cancelled = false;
  rec->tracked = true;
  start_task(std::move(a), rec);
}

void dendrite::impl::start_task(std::shared_ptr<axon> a, std::list<task_rec>::iterator rec) {
  ++in_flight;
  ++st.tasks_run;
  auto slot = rec->cancel.slot();
  auto self = shared_from_this();
  asio::co_spawn(ex, task_main(self, std::move(a), &*rec),
                 asio::bind_cancellation_slot(slot, task_completion{self, rec}));
}

void dendrite::impl::task_done(std::list<task_rec>::iterator rec) {
  --in_flight;
  if (spare_tasks.size() < max_spare_nodes) {
    rec->shared.reset();  // the TASK goes now, as if the record were erased
    spare_tasks.splice(spare_tasks.end(), tasks, rec);
  } else {
    tasks.erase(rec);
  }
  if (in_flight == 0 && drain_timer) drain_timer->cancel();
}

// ---- the §4.6 pipeline --------------------------------------------------------------------

void dendrite::impl::on_inbound(const synapse::shared_signal& sp) {
  const signal& s = *sp;
  switch (s.type) {
    case signal_type::discover:
      on_discover(s);
      return;
    case signal_type::recall:
    case signal_type::imprint:
      serve_engrams(s);  // steps 3-4: hosted Engrams, then observers; never Pathways
      fire_handlers(s);
      return;
    case signal_type::tool_call:
      serve_engrams(s);  // step 5: hosted Effectors; not consumed
      break;
    case signal_type::stop:
      on_stop(s);
      return;
    default:
      break;
  }
  if (s.parent_id) {
    if (auto it = ops.find(s.parent_id->str()); it != ops.end()) {
      auto pw = it->second;
      pw->deliver(sp);
    }
    if (s.type == signal_type::stopped) {
      if (auto it = collectors.find(s.parent_id->str()); it != collectors.end()) {
        auto pw = it->second;
        pw->deliver(sp);
      }
    }
  }
  if (s.type == signal_type::clarification_answer || s.type == signal_type::permission_decision)
    decisions.put(s);
  if (protocol::is_terminal_type(s.type)) {
    const auto& trace = s.trace_id.str();
    std::vector<std::shared_ptr<pathway>> closing;
    for (auto it = ops.begin(); it != ops.end();) {
      if (it->second->trace().str() == trace) {
        closing.push_back(it->second);
        it = ops.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& pw : closing) pw->close();
    untrack_tasks(trace);                                // stop tracking (without cancelling)
    if (s.type == signal_type::final) serve_engrams(s);  // commit the hosted sagas
  }
  if (s.type == signal_type::task_awarded) on_award(s);
  if (protocol::is_pathway_type(s.type)) {
    if (auto it = pathways.find(s.trace_id.str()); it != pathways.end()) {
      auto pw = it->second;  // delivering may close and evict it
      pw->deliver(sp);
    }
  }
  if (s.type == signal_type::register_) {
    auto role = payload_value(s, "role");
    bool engram =
        (role && role->is_string() && role->get_string() == "engram") || s.payload.truthy("engram");
    if (engram) return;  // Engram registrations are not Neurons
  }
  if (s.type == signal_type::task_offer && o.auto_bid && !axons.empty() &&
      handlers[idx(signal_type::task_offer)].empty())
    auto_bid(s);
  if (store && protocol::is_axon_type(s.type)) mirror(s);
  fire_handlers(s);
}

void dendrite::impl::on_discover(const signal& s) {
  if (!discover_handlers.empty()) {
    auto hs = discover_handlers;
    for (const auto& h : hs) run_handler(h, s);
    return;
  }
  if (axons.empty()) return;
  std::optional<std::string> neuron;
  if (auto v = payload_value(s, "neuron"); v && !v->is_null()) {
    if (!v->is_string()) return reject(*this, s, "payload.neuron must be a string");
    neuron = std::string(v->get_string());
  }
  auto caps = payload_caps(s, "capabilities");
  if (!caps) return reject(*this, s, "payload.capabilities must be a list of strings");
  const auto& key = s.payload.text();
  if (pending_discovers.contains(key) || pending_discovers.size() >= o.max_pending_discovers) {
    ++st.discovers_dropped;  // an answer with the same filter is already on its way
    return;
  }
  pending_discovers.insert(key);
  spawn(discover_answer(shared_from_this(), key, std::move(neuron), std::move(*caps)),
        "DISCOVER answer");
}

void dendrite::impl::on_stop(const signal& s) {
  const auto& trace = s.trace_id.str();
  auto pw_it = pathways.find(trace);
  std::shared_ptr<pathway> pw = pw_it == pathways.end() ? nullptr : pw_it->second;
  if (pw) pw->deliver(s);
  auto cancelled = cancel_tasks(trace);
  std::vector<std::shared_ptr<pathway>> closing;
  for (auto it = ops.begin(); it != ops.end();) {
    if (it->second->trace().str() == trace) {
      closing.push_back(it->second);
      it = ops.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& op : closing) op->close();
  bool rollback = s.payload.find("rollback") == "true";
  std::int64_t compensated = 0;
  bool had_pathway = pw && !pw->closed();
  if (pw) pw->close();
  if (this->rollback) {
    try {
      compensated = this->rollback(s.trace_id, rollback);
    } catch (const std::exception& ex) {
      ++st.handler_errors;
      spdlog::warn("dendrite {}: rollback hook threw: {}", o.dendrite_id, ex.what());
    }
  }
  ack_stop(s, rollback, cancelled, compensated, had_pathway);  // hosted Engrams settle first
  fire_handlers(s);
}

void dendrite::impl::on_award(const signal& s) {
  if (!s.directed || !s.directed->id) return;
  std::shared_ptr<axon> a;
  for (const auto& x : axons)
    if (x->neuron_id() == *s.directed->id) a = x;
  if (!a) return;
  auto input = s.payload.find("input");
  if (!input || input->empty() || input->front() != '{')
    return reject(*this, s, "TASK_AWARDED payload.input must be an object");
  protocol::task_args args{.input = protocol::raw_object::from_canonical(std::string(*input))};
  if (auto cr = payload_value(s, "context_ref"); cr && cr->is_string())
    args.context_ref = std::string(cr->get_string());
  args.finalize = s.payload.find("finalize") == "true";
  // Better than the reference: the synthetic TASK takes the award's id, so the reply's
  // parent_id names a Signal that is on the wire.
  auto task = protocol::task_signal(args, {.directed = protocol::directed{.id = a->neuron_id()},
                                           .trace = s.trace_id,
                                           .parent = s.parent_id,
                                           .meta = s.meta});
  task.id = s.id;
  ++st.tasks_received;
  run_task(a, std::make_shared<signal>(std::move(task)));
}

void dendrite::impl::auto_bid(const signal& offer) {
  auto caps = payload_caps(offer, "capabilities");
  if (!caps) return reject(*this, offer, "TASK_OFFER payload.capabilities must be a list");
  for (const auto& a : axons) {
    if (!a->covers(*caps)) continue;
    ++st.bids;
    json::object meta{{"auto_bid", true}};
    spawn(publish_one(shared_from_this(),
                      make_bid(offer, a->neuron_id(), 0.0, std::nullopt, 1.0, meta)),
          "auto BID");
    return;
  }
}

void dendrite::impl::mirror(const signal& s) {
  if (!s.directed || !s.directed->id || s.directed->id->empty()) return;
  const auto& id = *s.directed->id;
  bool hosted =
      std::any_of(axons.begin(), axons.end(), [&](const auto& a) { return a->neuron_id() == id; });
  if (hosted && (s.type == signal_type::register_ || s.type == signal_type::deregister) &&
      !own_ids.contains(s.id.str())) {
    ++st.register_conflicts;
    spdlog::warn("dendrite {}: ignored {} {} claiming hosted neuron '{}'", o.dendrite_id,
                 protocol::to_string(s.type), s.id.str(), id);
    return;
  }
  registry::neuron_record r;
  r.neuron_id = id;
  std::optional<std::string> status;
  switch (s.type) {
    case signal_type::register_: {
      auto caps = payload_caps(s, "capabilities");
      if (!caps) return reject(*this, s, "REGISTER payload.capabilities must be a list of strings");
      r.capabilities = std::move(*caps);
      if (auto v = payload_value(s, "version"); v && v->is_string())
        r.version = std::string(v->get_string());
      r.last_heartbeat = s.ts.utc();
      break;
    }
    case signal_type::deregister:
      break;
    case signal_type::heartbeat: {
      if (auto v = payload_value(s, "status"); v && v->is_string())
        status = std::string(v->get_string());
      r.last_heartbeat = s.ts.utc();
      break;
    }
    default:
      return;
  }
  // The store call runs on the blocking pool (a SQLite / PostgreSQL store must not hold up
  // this executor); calls keep their order on the pool's strand.
  ++mirror_pending;
  spawn(mirror_call(shared_from_this(), s.type, std::move(r), std::move(status)), "store mirror");
}

// ---- user handlers ------------------------------------------------------------------------

bool dendrite::impl::passes(const handler_filter& f, const signal& s) const {
  if (f.trace_id && s.trace_id.str() != *f.trace_id) return false;
  if (f.neuron && !(s.directed && s.directed->id == *f.neuron)) return false;
  if (!f.capability) return true;
  if (s.type == signal_type::task_offer) {
    auto caps = payload_caps(s, "capabilities");
    return caps &&
           (caps->empty() || std::find(caps->begin(), caps->end(), *f.capability) != caps->end());
  }
  if (!s.directed || !s.directed->id) return false;
  for (const auto& a : axons)
    if (a->neuron_id() == *s.directed->id) return a->covers({*f.capability});
  if (!store) return false;
  auto r = store->get(*s.directed->id);
  return r && *r && (*r)->has_capability(*f.capability);
}

void dendrite::impl::run_handler(const signal_handler& h, const signal& s) {
  if (h.sync()) {
    try {
      h.sync()(s);
    } catch (const std::exception& ex) {
      ++st.handler_errors;
      spdlog::warn("dendrite {}: handler for {} threw: {}", o.dendrite_id,
                   protocol::to_string(s.type), ex.what());
    }
    return;
  }
  if (h.async()) spawn(run_async_handler(shared_from_this(), h.async(), s), "handler");
}

void dendrite::impl::fire_handlers(const signal& s) {
  const auto& hs = handlers[idx(s.type)];
  if (hs.empty()) return;
  auto copy = hs;  // a handler may register handlers
  for (const auto& e : copy)
    if (passes(e.filter, s)) run_handler(e.handler, s);
}

}  // namespace neuromesh::runtime
