#include "broker_core.h"

#include "neuromesh/protocol/subject.h"
#include "neuromesh/synapse/py_json.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace neuromesh::synapse::detail {
namespace {

constexpr std::string_view welcome_line = "{\"op\":\"welcome\"}\n";

const boost::json::value* field(const boost::json::object& o, std::string_view key) {
  return o.if_contains(key);
}

std::string kind_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "?";
}

// The namespace of cosmonapse.<ns>.…, if the subject has that shape.
std::optional<std::string_view> subject_namespace(std::string_view subject) {
  constexpr std::string_view prefix = "cosmonapse.";
  if (!subject.starts_with(prefix)) return std::nullopt;
  auto rest = subject.substr(prefix.size());
  return rest.substr(0, rest.find('.'));
}

}  // namespace

broker_core::broker_core(broker_sink& sink, std::function<std::string()> now_iso)
    : sink_(sink), now_iso_(now_iso ? std::move(now_iso) : &broker_core::utc_now_iso) {}

std::string broker_core::utc_now_iso() {
  auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto micros = (now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[48];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (micros != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(micros));
    out += buf;
  }
  out += "+00:00";
  return out;
}

void broker_core::send_text(session_id to, std::string text) {
  text += '\n';
  sink_.send(to, out_line{{}, text});
}

void broker_core::send_err(session_id to, std::string_view message) {
  std::string text = "{\"op\":\"err\",\"message\":";
  append_py_string(text, message);
  text += '}';
  send_text(to, std::move(text));
}

void broker_core::open_session(session_id id) {
  sessions_.try_emplace(id);
  sessions_opened_.fetch_add(1, std::memory_order_relaxed);
  sink_.send(id, out_line{{}, welcome_line});
}

void broker_core::close_session(session_id id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  for (const auto& [sub_id, s] : it->second.subs) index_.erase(s.pattern, s.key);
  subscriptions_.fetch_sub(it->second.subs.size(), std::memory_order_relaxed);
  sessions_.erase(it);
  sessions_closed_.fetch_add(1, std::memory_order_relaxed);
  std::erase_if(namespaces_, [id](const ns_info& ns) { return ns.owner == id; });
}

void broker_core::line_too_long(session_id id, std::size_t limit) {
  lines_too_long_.fetch_add(1, std::memory_order_relaxed);
  send_err(id, "line too long: exceeds " + std::to_string(limit) + " bytes; skipped");
}

// The shape every client writes for a pub: {"op":"pub","subject":"S","frame":"F"}. When
// both strings are already in Python's escaping, the frame's JSON text is forwarded as it
// came (no parse, no unescape, no re-escape); anything else takes the full parse below.
bool broker_core::try_fast_pub(std::string_view line) {
  constexpr std::string_view prefix = R"({"op":"pub","subject":)";
  constexpr std::string_view middle = R"(,"frame":)";
  if (!line.starts_with(prefix)) return false;
  std::string_view rest = line.substr(prefix.size());
  bool subject_escapes = false, frame_escapes = false;
  std::size_t sn = py_canonical_string_size(rest, subject_escapes);
  if (sn <= 2 || subject_escapes) return false;  // empty subject: the slow path's err
  std::string_view subject = rest.substr(1, sn - 2);
  rest.remove_prefix(sn);
  if (!rest.starts_with(middle)) return false;
  rest.remove_prefix(middle.size());
  std::size_t fn = py_canonical_string_size(rest, frame_escapes);
  if (fn == 0 || rest.size() != fn + 1 || rest[fn] != '}') return false;
  if (observe_signals_ && frame_escapes) return false;  // the observer needs it decoded
  std::string_view frame_json = rest.substr(0, fn);
  published_.fetch_add(1, std::memory_order_relaxed);
  route(subject, frame_json, frame_json.substr(1, fn - 2));
  return true;
}

void broker_core::handle_line(session_id id, std::string_view line) {
  if (!sessions_.contains(id)) return;
  lines_.fetch_add(1, std::memory_order_relaxed);
  if (fast_path_ && try_fast_pub(line)) return;
  // A small stack arena serves the typical line without touching the heap.
  unsigned char arena[8192];
  boost::json::monotonic_resource mr(arena, sizeof arena);
  unsigned char temp[1024];
  boost::json::parser parser(boost::json::storage_ptr(), boost::json::parse_options(), temp,
                             sizeof temp);
  parser.reset(boost::json::storage_ptr(&mr));
  boost::system::error_code ec;
  std::size_t used = parser.write(line.data(), line.size(), ec);
  if (ec) {
    bad_json_.fetch_add(1, std::memory_order_relaxed);
    send_err(id, "bad JSON: " + ec.message() + " (char " + std::to_string(used) + ")");
    return;
  }
  boost::json::value value = parser.release();
  if (!value.is_object()) {
    bad_json_.fetch_add(1, std::memory_order_relaxed);
    send_err(id, "bad JSON: expected an object, got " + kind_name(value));
    return;
  }
  const auto& msg = value.get_object();
  const auto* op_v = field(msg, "op");
  std::string_view op = op_v && op_v->is_string() ? std::string_view(op_v->get_string()) : "";
  if (op == "pub") {
    op_pub(id, msg);
  } else if (op == "sub") {
    op_sub(id, msg);
  } else if (op == "unsub") {
    op_unsub(id, msg);
  } else if (op == "hello") {
    sink_.send(id, out_line{{}, welcome_line});
  } else if (op == "ping") {
    sink_.send(id, out_line{{}, "{\"op\":\"pong\"}\n"});
  } else if (op == "pong") {
    sink_.on_pong(id);  // the answer to the broker's liveness ping
  } else if (op == "ns_register") {
    op_ns_register(id, msg);
  } else if (op == "mgmt_list") {
    op_mgmt_list(id);
  } else if (op == "mgmt_info") {
    op_mgmt_info(id, msg);
  } else if (op == "mgmt_stop") {
    op_mgmt_stop(id, msg);
  } else {
    unknown_ops_.fetch_add(1, std::memory_order_relaxed);
    send_err(id, "unknown op " + py_repr(op_v));
  }
}

void broker_core::op_pub(session_id id, const boost::json::object& msg) {
  const auto* subject = field(msg, "subject");
  const auto* frame = field(msg, "frame");
  if (!py_truthy(subject) || frame == nullptr || frame->is_null()) {
    missing_fields_.fetch_add(1, std::memory_order_relaxed);
    send_err(id, "pub: missing subject/frame");
    return;
  }
  if (!subject->is_string()) {
    missing_fields_.fetch_add(1, std::memory_order_relaxed);
    send_err(id, "pub: subject must be a string, got " + kind_name(*subject));
    return;
  }
  published_.fetch_add(1, std::memory_order_relaxed);
  std::string_view subj = subject->get_string();
  if (frame->is_string()) {
    std::string_view text = frame->get_string();
    route(subj, py_string(text), text);
  } else {
    // The reference forwards any JSON value; so do we, in Python's serialisation.
    std::string text = py_value(*frame);
    route(subj, text, text);
  }
}

void broker_core::route(std::string_view subject, std::string_view frame_json,
                        std::string_view frame) {
  if (auto ns = subject_namespace(subject)) {
    if (auto* info = find_ns(*ns)) ++info->signal_count;
  }
  if (observe_signals_) sink_.on_signal(subject, frame);

  const auto& found = index_.match(subject);
  if (found.solo.empty() && found.groups.empty()) return;

  head_.clear();
  head_ += "{\"op\":\"msg\",\"subject\":";
  append_py_string(head_, subject);
  head_ += ",\"frame\":";
  head_ += frame_json;
  head_ += ",\"sub_id\":";

  auto deliver = [&](session_id to, const sub& s) {
    delivered_.fetch_add(1, std::memory_order_relaxed);
    sink_.send(to, out_line{head_, s.tail});
  };
  // session_id is the key's high half (see op_sub).
  for (const auto& e : found.solo) deliver(e.key >> 32, *static_cast<const sub*>(e.data));
  for (const auto& g : found.groups) {
    auto& counter = rr_[g.group];
    const auto& e = g.members[counter % g.members.size()];
    ++counter;
    deliver(e.key >> 32, *static_cast<const sub*>(e.data));
  }
}

void broker_core::op_sub(session_id id, const boost::json::object& msg) {
  const auto* sub_id = field(msg, "sub_id");
  const auto* subject = field(msg, "subject");
  if (!py_truthy(sub_id) || !py_truthy(subject)) {
    missing_fields_.fetch_add(1, std::memory_order_relaxed);
    send_err(id, "sub: missing sub_id/subject");
    return;
  }
  if (!subject->is_string()) {
    missing_fields_.fetch_add(1, std::memory_order_relaxed);
    send_err(id, "sub: subject must be a string, got " + kind_name(*subject));
    return;
  }
  const auto* group = field(msg, "queue_group");
  sub s{py_value(*sub_id), {}, std::string(subject->get_string()), std::nullopt};
  s.tail = s.sub_id_json + "}\n";
  if (group && !group->is_null())
    s.group = group->is_string() ? std::string(group->get_string()) : py_value(*group);
  auto& sess = sessions_[id];
  auto it = sess.subs.find(s.sub_id_json);
  if (it != sess.subs.end()) {
    // Same sub_id overwrites, keeping its place (its key).
    index_.erase(it->second.pattern, it->second.key);
    s.key = it->second.key;
  } else if (max_subs_ != 0 && sess.subs.size() >= max_subs_) {
    subs_rejected_.fetch_add(1, std::memory_order_relaxed);
    send_err(id, "sub: too many subscriptions on this connection (limit " +
                     std::to_string(max_subs_) + ")");
    return;
  } else {
    s.key = (id << 32) | sess.next_sub++;
    subscriptions_.fetch_add(1, std::memory_order_relaxed);
  }
  if (s.group) {
    auto [g, added] = group_ids_.try_emplace(*s.group, static_cast<std::uint32_t>(rr_.size()));
    if (added) rr_.push_back(0);
    s.group_id = g->second;
  }
  auto& stored = sess.subs.insert_or_assign(s.sub_id_json, std::move(s)).first->second;
  index_.insert(stored.pattern, {stored.key, stored.group_id, &stored});
}

void broker_core::op_unsub(session_id id, const boost::json::object& msg) {
  const auto* sub_id = field(msg, "sub_id");
  if (sub_id == nullptr) return;
  auto& subs = sessions_[id].subs;
  auto it = subs.find(py_value(*sub_id));
  if (it == subs.end()) return;
  index_.erase(it->second.pattern, it->second.key);
  subs.erase(it);
  subscriptions_.fetch_sub(1, std::memory_order_relaxed);
}

broker_core::ns_info* broker_core::find_ns(std::string_view name) {
  auto it = std::find_if(namespaces_.begin(), namespaces_.end(),
                         [&](const ns_info& n) { return n.name == name; });
  return it == namespaces_.end() ? nullptr : &*it;
}

void broker_core::op_ns_register(session_id id, const boost::json::object& msg) {
  const auto* ns = field(msg, "namespace");
  if (!py_truthy(ns)) {
    missing_fields_.fetch_add(1, std::memory_order_relaxed);
    send_err(id, "ns_register: missing namespace");
    return;
  }
  if (!ns->is_string()) {
    missing_fields_.fetch_add(1, std::memory_order_relaxed);
    send_err(id, "ns_register: namespace must be a string, got " + kind_name(*ns));
    return;
  }
  const auto* transport = field(msg, "transport");
  std::string name(ns->get_string());
  ns_info info{name, transport ? py_value(*transport) : std::string("\"memory\""), now_iso_(), 0,
               id};
  if (auto* existing = find_ns(name))
    *existing = std::move(info);  // re-registering keeps the place, like a dict assignment
  else
    namespaces_.push_back(std::move(info));
  std::string text = "{\"op\":\"ns_registered\",\"namespace\":";
  append_py_string(text, name);
  text += '}';
  send_text(id, std::move(text));
}

void broker_core::op_mgmt_list(session_id id) {
  std::string text = "{\"op\":\"mgmt_ns_list\",\"namespaces\":[";
  bool first = true;
  for (const auto& ns : namespaces_) {
    if (!first) text += ',';
    first = false;
    text += "{\"namespace\":";
    append_py_string(text, ns.name);
    text += ",\"transport\":";
    text += ns.transport_json;
    text += ",\"started_at\":";
    append_py_string(text, ns.started_at);
    text += ",\"signal_count\":";
    text += std::to_string(ns.signal_count);
    text += '}';
  }
  text += "]}";
  send_text(id, std::move(text));
}

void broker_core::op_mgmt_info(session_id id, const boost::json::object& msg) {
  const auto* ns = field(msg, "namespace");
  ns_info* info = ns && ns->is_string() ? find_ns(ns->get_string()) : nullptr;
  if (info == nullptr) {
    send_err(id, "namespace " + py_repr(ns) + " not found");
    return;
  }
  std::string text = "{\"op\":\"mgmt_ns_info\",\"namespace\":";
  append_py_string(text, info->name);
  text += ",\"transport\":";
  text += info->transport_json;
  text += ",\"started_at\":";
  append_py_string(text, info->started_at);
  text += ",\"signal_count\":";
  text += std::to_string(info->signal_count);
  text += ",\"client_count\":";
  text += std::to_string(sessions_.size());
  text += '}';
  send_text(id, std::move(text));
}

void broker_core::op_mgmt_stop(session_id id, const boost::json::object& msg) {
  const auto* ns = field(msg, "namespace");
  ns_info* info = ns && ns->is_string() ? find_ns(ns->get_string()) : nullptr;
  if (info == nullptr) {
    send_err(id, "namespace " + py_repr(ns) + " not found");
    return;
  }
  std::string name = info->name;
  session_id owner = info->owner;
  std::erase_if(namespaces_, [&](const ns_info& n) { return n.name == name; });
  std::string quoted = py_string(name);
  if (sessions_.contains(owner))
    send_text(owner, "{\"op\":\"ns_stopping\",\"namespace\":" + quoted + "}");
  send_text(id, "{\"op\":\"mgmt_stop_ack\",\"namespace\":" + quoted + "}");
}

broker_stats broker_core::stats() const noexcept {
  auto r = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  broker_stats s;
  s.sessions_opened = r(sessions_opened_);
  s.sessions_closed = r(sessions_closed_);
  s.lines = r(lines_);
  s.published = r(published_);
  s.delivered = r(delivered_);
  s.bad_json = r(bad_json_);
  s.unknown_ops = r(unknown_ops_);
  s.missing_fields = r(missing_fields_);
  s.lines_too_long = r(lines_too_long_);
  s.slow_consumers = r(slow_consumers_);
  s.subscriptions_rejected = r(subs_rejected_);
  s.subscriptions = r(subscriptions_);
  return s;
}

}  // namespace neuromesh::synapse::detail
