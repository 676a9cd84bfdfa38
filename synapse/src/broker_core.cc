#include "broker_core.h"

#include "neuromesh/protocol/subject.h"
#include "py_json.h"

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
  sink_.send(to, out_line{nullptr, std::move(text)});
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
  sink_.send(id, out_line{nullptr, std::string(welcome_line)});
}

void broker_core::close_session(session_id id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  subscriptions_.fetch_sub(it->second.subs.size(), std::memory_order_relaxed);
  sessions_.erase(it);
  sessions_closed_.fetch_add(1, std::memory_order_relaxed);
  std::erase_if(namespaces_, [id](const ns_info& ns) { return ns.owner == id; });
}

void broker_core::line_too_long(session_id id, std::size_t limit) {
  lines_too_long_.fetch_add(1, std::memory_order_relaxed);
  send_err(id, "line too long: exceeds " + std::to_string(limit) + " bytes; skipped");
}

void broker_core::handle_line(session_id id, std::string_view line) {
  if (!sessions_.contains(id)) return;
  lines_.fetch_add(1, std::memory_order_relaxed);
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
    sink_.send(id, out_line{nullptr, std::string(welcome_line)});
  } else if (op == "ping") {
    sink_.send(id, out_line{nullptr, "{\"op\":\"pong\"}\n"});
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

void broker_core::route(std::string_view subject, const std::string& frame_json,
                        std::string_view frame) {
  if (auto ns = subject_namespace(subject)) {
    if (auto* info = find_ns(*ns)) ++info->signal_count;
  }
  sink_.on_signal(subject, frame);

  solo_.clear();
  for (auto& g : groups_) g.second.clear();
  std::size_t group_count = 0;
  for (const auto& [sid, sess] : sessions_) {
    for (const auto& s : sess.subs) {
      if (!protocol::subject_matches(s.pattern, subject)) continue;
      if (!s.group) {
        solo_.emplace_back(sid, &s);
        continue;
      }
      auto it = std::find_if(groups_.begin(), groups_.begin() + group_count,
                             [&](const auto& g) { return g.first == *s.group; });
      if (it == groups_.begin() + group_count) {
        if (group_count == groups_.size()) groups_.emplace_back();
        it = groups_.begin() + group_count++;
        it->first = *s.group;
      }
      it->second.emplace_back(sid, &s);
    }
  }
  if (solo_.empty() && group_count == 0) return;

  auto head = std::make_shared<std::string>();
  head->reserve(frame_json.size() + subject.size() + 48);
  *head += "{\"op\":\"msg\",\"subject\":";
  append_py_string(*head, subject);
  *head += ",\"frame\":";
  *head += frame_json;
  *head += ",\"sub_id\":";
  std::shared_ptr<const std::string> shared = std::move(head);

  auto deliver = [&](session_id to, const sub& s) {
    std::string own;
    own.reserve(s.sub_id_json.size() + 2);
    own += s.sub_id_json;
    own += "}\n";
    delivered_.fetch_add(1, std::memory_order_relaxed);
    sink_.send(to, out_line{shared, std::move(own)});
  };
  // Copy the choice first: a sink may close a session (slow consumer) while we deliver.
  for (const auto& [sid, s] : solo_) deliver(sid, *s);
  for (std::size_t i = 0; i < group_count; ++i) {
    auto& [name, members] = groups_[i];
    auto& counter = rr_[std::string(name)];
    const auto& [sid, s] = members[counter % members.size()];
    ++counter;
    deliver(sid, *s);
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
  sub s{py_value(*sub_id), std::string(subject->get_string()), std::nullopt};
  if (group && !group->is_null())
    s.group = group->is_string() ? std::string(group->get_string()) : py_value(*group);
  auto& subs = sessions_[id].subs;
  auto it = std::find_if(subs.begin(), subs.end(),
                         [&](const sub& x) { return x.sub_id_json == s.sub_id_json; });
  if (it != subs.end())
    *it = std::move(s);  // same sub_id overwrites, keeping its place
  else {
    subs.push_back(std::move(s));
    subscriptions_.fetch_add(1, std::memory_order_relaxed);
  }
}

void broker_core::op_unsub(session_id id, const boost::json::object& msg) {
  const auto* sub_id = field(msg, "sub_id");
  if (sub_id == nullptr) return;
  std::string key = py_value(*sub_id);
  auto n = std::erase_if(sessions_[id].subs, [&](const sub& x) { return x.sub_id_json == key; });
  subscriptions_.fetch_sub(n, std::memory_order_relaxed);
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
  s.subscriptions = r(subscriptions_);
  return s;
}

}  // namespace neuromesh::synapse::detail
