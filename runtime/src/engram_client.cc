#include "neuromesh/runtime/engram_client.h"

#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/synapse/synapse.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <map>

namespace neuromesh::runtime {

namespace asio = boost::asio;
namespace json = boost::json;
using protocol::signal;
using protocol::signal_type;

namespace {

struct waiter {
  explicit waiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  std::string trace;
  bool wake_on_first = true;
  bool cancelled = false;
  std::vector<signal> replies;
};

engram_error invalid(std::string message) {
  return {engram_errc::invalid_argument, std::move(message)};
}

std::optional<std::string> str(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v != nullptr && v->is_string())
    return std::string(v->get_string());
  return std::nullopt;
}

std::optional<std::int64_t> integer(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v != nullptr && v->is_int64()) return v->get_int64();
  return std::nullopt;
}

// A Hit.entry dict back into an entry (what the engram wrote with entry::to_json()).
entry entry_from_json(const json::object& o) {
  entry e;
  e.id = str(o, "id").value_or("");
  if (const auto* c = o.if_contains("content")) e.content = *c;
  if (const auto* t = o.if_contains("tags"); t != nullptr && t->is_array())
    for (const auto& tag : t->get_array())
      if (tag.is_string()) e.tags.emplace_back(tag.get_string());
  e.version = integer(o, "version").value_or(1);
  if (auto c = str(o, "created_at"))
    e.created_at = registry::parse_iso8601(*c).value_or(time_point{});
  if (auto u = str(o, "updated_at"))
    e.updated_at = registry::parse_iso8601(*u).value_or(time_point{});
  e.merge_key = str(o, "merge_key");
  if (const auto* m = o.if_contains("meta"); m != nullptr && m->is_object())
    e.meta = m->get_object();
  return e;
}

protocol::envelope_options envelope(const call_target& t) {
  protocol::envelope_options e;
  e.directed = protocol::directed{.id = t.id, .type = t.kind, .capabilities = {}};
  e.trace = t.trace ? *t.trace : protocol::trace_id::generate();
  // Outside a task the reference parents to a fresh id that refers to nothing.
  e.parent = t.parent ? *t.parent : protocol::event_id::generate();
  return e;
}

}  // namespace

struct engram_client::state : std::enable_shared_from_this<engram_client::state> {
  state(asio::any_io_executor e, synapse::synapse& b, std::string n)
      : ex(std::move(e)), bus(b), ns(std::move(n)) {}
  asio::any_io_executor ex;
  synapse::synapse& bus;
  std::string ns;
  std::map<std::string, std::shared_ptr<waiter>, std::less<>> waiters;
  std::vector<synapse::subscription> subscriptions;

  void on_reply(const signal& s) {
    if (!s.parent_id) return;
    auto it = waiters.find(s.parent_id->str());
    if (it == waiters.end()) return;
    it->second->replies.push_back(s);
    if (it->second->wake_on_first) it->second->timer.cancel();
  }
  void on_trace_end(const signal& s) {
    for (auto& [id, w] : waiters)
      if (w->trace == s.trace_id.str()) {
        w->cancelled = true;
        w->timer.cancel();
      }
  }
};

namespace {

struct reply_handler {
  std::weak_ptr<engram_client::state> st;
  void operator()(const signal& s) const {
    if (auto locked = st.lock()) locked->on_reply(s);
  }
};

struct trace_end_handler {
  std::weak_ptr<engram_client::state> st;
  void operator()(const signal& s) const {
    if (auto locked = st.lock()) locked->on_trace_end(s);
  }
};

// Publishes request and waits for its replies: the first one (wake_on_first) or all until the
// deadline. Errors: cancelled (trace ended), timeout (nothing came), unavailable (publish).
asio::awaitable<engram_result<std::vector<signal>>> async_exchange(
    std::shared_ptr<engram_client::state> st, signal request, bool wake_on_first,
    std::optional<std::chrono::milliseconds> deadline, bool tool) {
  auto w = std::make_shared<waiter>(st->ex);
  w->trace = request.trace_id.str();
  w->wake_on_first = wake_on_first;
  const std::string key = request.id.str();
  st->waiters[key] = w;
  const auto subject = protocol::subject_for(st->ns, request.type);
  std::string target = subject;
  if (auto ec = co_await st->bus.async_publish(std::move(target), std::move(request)); ec) {
    st->waiters.erase(key);
    co_return engram_error{engram_errc::unavailable,
                           "publishing on " + subject + ": " + ec.message()};
  }
  if (deadline)
    w->timer.expires_after(*deadline);
  else
    w->timer.expires_at(asio::steady_timer::time_point::max());
  if (!(wake_on_first && !w->replies.empty()) && !w->cancelled) {
    boost::system::error_code ec;
    co_await w->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    // Aborted with nothing to show and no trace end seen: the waiting coroutine itself was
    // cancelled (a STOPped Neuron): that is a cancellation, not a timeout.
    if (ec == asio::error::operation_aborted && w->replies.empty()) w->cancelled = true;
  }
  st->waiters.erase(key);
  if (w->cancelled)
    co_return engram_error{
        tool ? make_error_code(effector_errc::cancelled) : make_error_code(engram_errc::cancelled),
        "the trace ended before a reply"};
  if (w->replies.empty())
    co_return engram_error{
        tool ? make_error_code(effector_errc::timeout) : make_error_code(engram_errc::timeout),
        "no reply within " + std::to_string(deadline ? deadline->count() : 0) + " ms"};
  co_return std::move(w->replies);
}

}  // namespace

engram_client::engram_client(asio::any_io_executor ex, synapse::synapse& bus, std::string ns)
    : state_(std::make_shared<state>(std::move(ex), bus, std::move(ns))) {}

engram_client::~engram_client() {
  for (auto& s : state_->subscriptions) s.unsubscribe();
}

asio::awaitable<boost::system::error_code> engram_client::async_start() {
  auto st = state_;
  for (auto t : {signal_type::recalled, signal_type::imprinted, signal_type::tool_result}) {
    // Named arguments: GCC 12 mishandles temporaries in co_await operands.
    auto subject = protocol::subject_for(st->ns, t);
    synapse::handler h = reply_handler{st};
    std::optional<std::string> group;
    auto sub = co_await st->bus.async_subscribe(std::move(subject), std::move(h), std::move(group));
    if (!sub) co_return sub.error();
    st->subscriptions.push_back(*sub);
  }
  for (auto t : {signal_type::final, signal_type::error, signal_type::stop}) {
    // Named arguments: GCC 12 mishandles temporaries in co_await operands.
    auto subject = protocol::subject_for(st->ns, t);
    synapse::handler h = trace_end_handler{st};
    std::optional<std::string> group;
    auto sub = co_await st->bus.async_subscribe(std::move(subject), std::move(h), std::move(group));
    if (!sub) co_return sub.error();
    st->subscriptions.push_back(*sub);
  }
  co_return boost::system::error_code{};
}

asio::awaitable<void> engram_client::async_stop() {
  auto st = state_;
  for (auto& s : st->subscriptions) s.unsubscribe();
  st->subscriptions.clear();
  for (auto& [id, w] : st->waiters) {
    w->cancelled = true;
    w->timer.cancel();
  }
  co_return;
}

asio::awaitable<engram_result<recall_result>> engram_client::async_recall(recall_call c) {
  auto st = state_;
  signal request;
  try {
    protocol::recall_args a;
    a.query = protocol::raw_object(c.query);
    if (c.recall_mode.empty()) c.recall_mode = "first";
    a.recall_mode = c.recall_mode;
    if (c.filters) a.filters = protocol::raw_object(*c.filters);
    a.context_ref = c.context_ref;
    if (c.target.deadline) a.deadline_ms = c.target.deadline->count();
    a.min_confidence = c.min_confidence;
    request = protocol::recall_signal(a, envelope(c.target));
  } catch (const std::invalid_argument& e) {
    co_return invalid(e.what());
  }
  const bool first = c.recall_mode == "first";
  auto deadline = c.target.deadline;
  auto replies = co_await async_exchange(st, std::move(request), first, deadline, false);
  if (!replies) co_return replies.error();
  recall_result out;
  std::optional<engram_error> first_error;
  for (const auto& r : *replies) {
    const auto p = r.payload.to_json();
    const auto id = str(p, "engram_id").value_or("");
    if (auto err = str(p, "error")) {
      if (!first_error)
        first_error =
            engram_error{err->starts_with("engram_overloaded:") ? engram_errc::overloaded
                                                                : engram_errc::backend_error,
                         id + ": " + *err};
      continue;
    }
    out.engram_ids.push_back(id);
    if (const auto* t = p.if_contains("truncated"); t != nullptr && t->is_bool() && t->get_bool())
      out.truncated = true;
    if (auto took = integer(p, "took_ms")) out.took_ms = std::max(out.took_ms.value_or(0), *took);
    if (const auto* hits = p.if_contains("hits"); hits != nullptr && hits->is_array())
      for (const auto& h : hits->get_array()) {
        if (!h.is_object()) continue;
        const auto& ho = h.get_object();
        hit x;
        x.id = str(ho, "id").value_or("");
        if (const auto* e = ho.if_contains("entry"); e != nullptr && e->is_object())
          x.entry = entry_from_json(e->get_object());
        if (const auto* s = ho.if_contains("score"); s != nullptr && s->is_number())
          x.score = s->to_number<double>();
        out.hits.push_back(std::move(x));
      }
    if (c.recall_mode == "first") break;
  }
  if (out.engram_ids.empty() && first_error) co_return *first_error;
  std::stable_sort(out.hits.begin(), out.hits.end(),
                   [](const hit& a, const hit& b) { return a.score > b.score; });
  co_return out;
}

asio::awaitable<engram_result<std::optional<imprint_receipt>>> engram_client::async_imprint(
    imprint_call c) {
  auto st = state_;
  signal request;
  try {
    request = protocol::imprint_signal(
        {.op = c.op, .entry = protocol::raw_object(c.entry), .merge_key = c.merge_key},
        envelope(c.target));
  } catch (const std::invalid_argument& e) {
    co_return invalid(e.what());
  }
  if (!c.await_ack) {
    const auto subject = protocol::subject_for(st->ns, request.type);
    std::string target = subject;
    if (auto ec = co_await st->bus.async_publish(std::move(target), std::move(request)); ec)
      co_return engram_error{engram_errc::unavailable,
                             "publishing on " + subject + ": " + ec.message()};
    co_return std::optional<imprint_receipt>{};
  }
  auto deadline = c.target.deadline;
  auto replies = co_await async_exchange(st, std::move(request), true, deadline, false);
  if (!replies) co_return replies.error();
  const auto p = replies->front().payload.to_json();
  imprint_receipt r;
  r.engram_id = str(p, "engram_id").value_or("");
  r.op = imprint_op_from_string(str(p, "op").value_or("")).value_or(imprint_op::add);
  r.id = str(p, "id");
  r.version = integer(p, "version");
  r.took_ms = integer(p, "took_ms");
  r.error = str(p, "error");
  co_return std::optional<imprint_receipt>{std::move(r)};
}

asio::awaitable<engram_result<tool_outcome>> engram_client::async_call_tool(tool_call_request c) {
  auto st = state_;
  signal request;
  try {
    request = protocol::tool_call_signal(
        {.tool = c.tool, .args = protocol::raw_object(c.args), .call_id = c.call_id},
        envelope(c.target));
  } catch (const std::invalid_argument& e) {
    co_return invalid(e.what());
  }
  auto deadline = c.target.deadline;
  auto replies = co_await async_exchange(st, std::move(request), true, deadline, true);
  if (!replies) co_return replies.error();
  const auto& reply = replies->front();
  const auto p = reply.payload.to_json();
  tool_outcome out;
  out.tool = str(p, "tool").value_or(c.tool);
  if (const auto* r = p.if_contains("result")) out.result = *r;
  out.error = str(p, "error");
  out.call_id = str(p, "call_id");
  if (reply.directed) out.effector_id = reply.directed->id;
  co_return out;
}

}  // namespace neuromesh::runtime
