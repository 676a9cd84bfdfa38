// The outbound side of a dendrite: dispatch and Pathways (§4.8), offers (§4.9), retries
// (§4.12), STOP (§4.11), emit helpers and the clarification / permission flows (§4.14).
#include "dendrite_impl.h"
#include "json_util.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/protocol/type_sets.h"
#include "neuromesh/runtime/errors.h"
#include "pathway_access.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

namespace neuromesh::runtime {

namespace asio = boost::asio;
namespace json = boost::json;
using protocol::signal;
using protocol::signal_type;
using std::chrono::milliseconds;

namespace {

void require_orchestrator(const dendrite::impl& p, const char* what) {
  if (p.o.role != role::orchestrator)
    throw protocol_error(std::string(what) + ": dendrite '" + p.o.dendrite_id +
                         "' has the worker role; only an orchestrator may initiate TASK / STOP");
}

void require_type(const signal& s, signal_type t, const char* what) {
  if (s.type != t)
    throw protocol_error(std::string(what) + ": expected a " + std::string(protocol::to_string(t)) +
                         ", got " + std::string(protocol::to_string(s.type)));
}

signal make_task(const dispatch_args& a) {
  protocol::envelope_options e;
  if (a.neuron) e.directed = protocol::directed{.id = *a.neuron};
  e.trace = a.trace;
  e.parent = a.parent;
  if (!a.meta.empty()) e.meta = protocol::raw_object(a.meta);  // default: {}
  return protocol::task_signal({.input = protocol::raw_object(a.input),
                                .context_ref = a.context_ref,
                                .capabilities = a.capabilities,
                                .finalize = a.finalize.value_or(a.scope == scope::terminal)},
                               std::move(e));
}

protocol::envelope_options answer_envelope(const dendrite::impl& p, const signal& request) {
  return {.directed = protocol::directed{.id = p.o.dendrite_id},
          .trace = request.trace_id,
          .parent = request.id,
          .meta = {}};
}

struct offer_state {
  explicit offer_state(select_policy policy, asio::any_io_executor ex) : sel(policy), timer(ex) {}
  bid_selection sel;
  std::optional<signal> winner;
  asio::steady_timer timer;
  std::string offer_id;
};

signal decline_for(const signal& bid) {
  protocol::envelope_options e{.trace = bid.trace_id, .parent = bid.id};
  if (bid.directed && bid.directed->id) e.directed = protocol::directed{.id = *bid.directed->id};
  return protocol::task_declined_signal("not selected", std::move(e));
}

asio::awaitable<void> publish_decline(std::shared_ptr<dendrite::impl> p, signal bid) {
  co_await p->publish(decline_for(bid));
}

/// The BID collector on an offer's Pathway (a plain callback; it may outlive the offer call
/// to decline late bidders).
struct bid_collector {
  std::weak_ptr<dendrite::impl> weak;
  std::shared_ptr<offer_state> st;
  void operator()(const signal& bid) const {
    if (!bid.parent_id || bid.parent_id->str() != st->offer_id) return;
    switch (st->sel.on_bid(bid)) {
      case bid_selection::action::award:
        st->winner = bid;
        st->timer.cancel();
        break;
      case bid_selection::action::decline:
        if (auto p = weak.lock()) p->spawn(publish_decline(p, bid), "TASK_DECLINED");
        break;
      case bid_selection::action::hold:
        break;
    }
  }
};

std::optional<protocol::raw_object> winning_bid_of(const signal& bid) {
  auto all = bid.payload.to_json();
  json::object out;
  for (const char* k : {"cost", "eta_ms", "confidence"})
    if (auto it = all.find(k); it != all.end()) out[k] = it->value();
  return protocol::raw_object(out);
}

}  // namespace

asio::awaitable<result<signal>> dendrite::async_dispatch_task(dispatch_args a) {
  auto p = impl_;
  require_orchestrator(*p, "dispatch_task");
  if (!p->running) co_return make_error_code(errc::not_running);
  auto task = make_task(a);
  if (!co_await p->publish(task)) co_return make_error_code(errc::publish_failed);
  co_return task;
}

namespace {

// Opens the Pathway of a new TASK and publishes the TASK in process; null when the publish
// failed. A plain function: the TASK is not held in the caller's coroutine frame.
std::shared_ptr<pathway> open_and_publish_now(dendrite::impl& p, const dispatch_args& a) {
  auto task = make_task(a);
  auto pw = p.new_pathway(task.trace_id, a.scope);
  p.open_pathway(pw);
  if (p.publish_now(std::move(task))) return pw;
  pw->close();
  return nullptr;
}

// The same over a transport: opens the Pathway into *pw and hands back the transport's
// publish of the TASK (no coroutine frame of ours; the caller checks it with sent()).
asio::awaitable<boost::system::error_code> open_and_send(dendrite::impl& p, const dispatch_args& a,
                                                         std::shared_ptr<pathway>* pw) {
  auto task = make_task(a);
  *pw = p.new_pathway(task.trace_id, a.scope);
  p.open_pathway(*pw);
  return p.send(std::move(task));
}

/// Closes the Pathway when the call leaves, after its result was taken, and keeps it for
/// the next dispatch.
struct pathway_closer {
  pathway_closer(dendrite::impl& impl, std::shared_ptr<pathway>& pathway) : p(impl), pw(pathway) {}
  dendrite::impl& p;
  std::shared_ptr<pathway>& pw;
  pathway_closer(const pathway_closer&) = delete;
  pathway_closer& operator=(const pathway_closer&) = delete;
  ~pathway_closer() { p.close_and_recycle(std::move(pw)); }
};

}  // namespace

std::shared_ptr<pathway> dendrite::impl::new_pathway(const protocol::trace_id& trace,
                                                     runtime::scope s) {
  if (spare_pathways.empty()) return std::make_shared<pathway>(trace, s, pathway::kind::originator);
  auto pw = std::move(spare_pathways.back());
  spare_pathways.pop_back();
  detail::pathway_access::reopen(*pw, trace, s);
  return pw;
}

void dendrite::impl::close_and_recycle(std::shared_ptr<pathway> pw) {
  pw->close();
  if (pw.use_count() == 1 && spare_pathways.size() < max_spare_nodes)
    spare_pathways.push_back(std::move(pw));
}

asio::awaitable<result<std::shared_ptr<pathway>>> dendrite::async_dispatch(dispatch_args a) {
  auto p = impl_;
  require_orchestrator(*p, "dispatch");
  if (!p->running) co_return make_error_code(errc::not_running);
  if (!p->is_pathway_subscribed()) co_await p->ensure_pathway_types();
  std::shared_ptr<pathway> pw;
  if (p->memory_bus) {
    pw = open_and_publish_now(*p, a);  // no coroutine frame in process
  } else {
    // Operands built first: GCC 12 mishandles temporaries in co_await operands.
    auto sending = open_and_send(*p, a, &pw);
    auto ec = co_await std::move(sending);
    if (!p->sent(ec)) {
      pw->close();
      pw = nullptr;
    }
  }
  if (!pw) co_return make_error_code(errc::publish_failed);
  co_return pw;
}

// The body of async_dispatch inlined (one coroutine frame less on the hottest path); the
// Pathway is private to this call, so the reply is moved out of it, not copied. The TASK is
// built in a plain function: held here, it took this frame past asio's 1,020-byte recycling
// limit (a malloc and a free per call).
asio::awaitable<result<signal>> dendrite::async_dispatch_and_wait(dispatch_args a,
                                                                  milliseconds timeout) {
  auto p = impl_;
  require_orchestrator(*p, "dispatch");
  if (!p->running) co_return make_error_code(errc::not_running);
  if (!p->is_pathway_subscribed()) co_await p->ensure_pathway_types();
  std::shared_ptr<pathway> pw;
  if (p->memory_bus) {
    pw = open_and_publish_now(*p, a);  // no coroutine frame in process
  } else {
    // Operands built first: GCC 12 mishandles temporaries in co_await operands.
    auto sending = open_and_send(*p, a, &pw);
    auto ec = co_await std::move(sending);
    if (!p->sent(ec)) {
      pw->close();
      pw = nullptr;
    }
  }
  if (!pw) co_return make_error_code(errc::publish_failed);
  // An in-process Neuron may have replied inside the publish: then this coroutine has not
  // suspended since it was resumed, and a caller looping on dispatch_and_wait would starve
  // the executor (the finished Neuron runs' completions pile up). Yield once in that case;
  // the reply stays in the Pathway's log (private to this call) meanwhile.
  // A deferred operation is awaited in this frame (use_awaitable would add a coroutine
  // frame). The reply is moved out of the Pathway in one place: each Signal temporary here
  // is 336 bytes of this frame, which must stay under asio's 1,020-byte recycling limit.
  pathway_closer closer{*p, pw};
  if (pw->ready()) {
    auto yield = asio::post(p->ex, asio::deferred);
    co_await std::move(yield);
  } else {
    auto waiting = pw->async_until_ready(timeout);
    if (auto ec = co_await std::move(waiting)) co_return ec;
  }
  co_return pw->take_ready();
}

asio::awaitable<result<signal>> dendrite::async_run_with_retry(dispatch_args a,
                                                               retry_strategy retry) {
  retry_policy policy(std::move(retry));
  const auto& s = policy.strategy();
  for (int attempt = 0;; ++attempt) {
    dispatch_args args = a;
    if (s.new_trace || !a.trace) args.trace = protocol::trace_id::generate();
    args.meta["attempt"] = attempt;
    auto trace = *args.trace;
    auto r = co_await async_dispatch_and_wait(std::move(args), s.timeout);
    auto d = policy.after(attempt, r);
    if (d.stop_abandoned) co_await async_stop_trace(trace, s.rollback_on_retry, s.reason);
    if (!d.retry) co_return r;
    if (d.pause.count() > 0) {
      asio::steady_timer t(impl_->ex, d.pause);
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
}

asio::awaitable<result<std::shared_ptr<pathway>>> dendrite::async_dispatch_offer(dispatch_args a,
                                                                                 offer_args o) {
  auto p = impl_;
  require_orchestrator(*p, "dispatch_offer");
  if (!p->running) co_return make_error_code(errc::not_running);
  co_await p->ensure_pathway_types();
  auto trace = a.trace.value_or(protocol::trace_id::generate());
  auto pw = std::make_shared<pathway>(trace, a.scope, pathway::kind::originator);
  p->open_pathway(pw);
  auto offer = protocol::task_offer_signal(
      {.input = protocol::raw_object(a.input),
       .capabilities = a.capabilities,
       .deadline_ms = o.deadline.count()},
      {.trace = trace, .parent = a.parent, .meta = protocol::raw_object(a.meta)});
  auto st = std::make_shared<offer_state>(o.select, p->ex);
  st->offer_id = offer.id.str();
  pw->on(signal_type::bid, bid_collector{p, st});
  st->timer.expires_after(o.deadline);
  if (!co_await p->publish(std::move(offer))) {
    pw->close();
    co_return make_error_code(errc::publish_failed);
  }
  co_await st->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  auto decision = st->sel.on_deadline();  // first_bid: nothing left; later bids are declined
  if (st->winner) decision.winner = std::move(st->winner);
  if (!decision.winner) {
    pw->close();
    co_return make_error_code(errc::no_responder);
  }
  for (const auto& loser : decision.losers) co_await p->publish(decline_for(loser));
  const auto& w = *decision.winner;
  protocol::envelope_options e{
      .trace = trace, .parent = w.id, .meta = protocol::raw_object(a.meta)};
  if (w.directed && w.directed->id) e.directed = protocol::directed{.id = *w.directed->id};
  std::optional<std::string> context_ref;
  if (!a.context_ref.empty()) context_ref = a.context_ref;
  auto award =
      protocol::task_awarded_signal({.input = protocol::raw_object(a.input),
                                     .winning_bid = winning_bid_of(w),
                                     .context_ref = context_ref,
                                     .finalize = a.finalize.value_or(a.scope == scope::terminal)},
                                    std::move(e));
  if (!co_await p->publish(std::move(award))) {
    pw->close();
    co_return make_error_code(errc::publish_failed);
  }
  co_return pw;
}

asio::awaitable<std::shared_ptr<pathway>> dendrite::async_observe_pathway(protocol::trace_id trace,
                                                                          runtime::scope s) {
  auto p = impl_;
  if (auto it = p->pathways.find(trace.str()); it != p->pathways.end() && !it->second->closed())
    throw usage_error("observe_pathway: a pathway for " + trace.str() + " is already open");
  co_await p->ensure_pathway_types();
  auto pw = std::make_shared<pathway>(std::move(trace), s, pathway::kind::observer);
  p->open_pathway(pw);
  co_return pw;
}

// ---- emitting -------------------------------------------------------------------------------

asio::awaitable<result<signal>> dendrite::async_emit(signal s) {
  auto p = impl_;
  if (protocol::is_orchestrator_only_type(s.type)) require_orchestrator(*p, "emit");
  if (!protocol::is_synapse_type(s.type))
    throw protocol_error("emit: " + std::string(protocol::to_string(s.type)) +
                         " is not a type a dendrite may emit");
  auto ec = co_await p->bus.async_publish(protocol::subject_for(p->o.ns, s.type), s);
  if (ec) {
    ++p->st.publish_errors;
    co_return make_error_code(errc::publish_failed);
  }
  co_return s;
}

asio::awaitable<result<signal>> dendrite::async_emit_final(protocol::trace_id trace,
                                                           std::optional<protocol::event_id> parent,
                                                           json::value result,
                                                           std::optional<std::string> neuron) {
  // Built before the co_await: GCC 12 mishandles aggregate temporaries in co_await operands.
  protocol::envelope_options e;
  e.directed = protocol::directed{.id = neuron.value_or(impl_->o.dendrite_id)};
  e.trace = trace;
  e.parent = std::move(parent);
  protocol::final_args args;
  args.result = std::move(result);
  auto s = protocol::final_signal(args, std::move(e));
  co_return co_await async_emit(std::move(s));
}

asio::awaitable<result<signal>> dendrite::async_emit_error(protocol::trace_id trace,
                                                           std::optional<protocol::event_id> parent,
                                                           std::string code, std::string message,
                                                           bool recoverable,
                                                           std::optional<std::string> neuron) {
  protocol::envelope_options e;
  e.directed = protocol::directed{.id = neuron.value_or(impl_->o.dendrite_id)};
  e.trace = trace;
  e.parent = std::move(parent);
  protocol::error_args args;
  args.code = std::move(code);
  args.message = std::move(message);
  args.recoverable = recoverable;
  auto s = protocol::error_signal(args, std::move(e));
  co_return co_await async_emit(std::move(s));
}

asio::awaitable<result<signal>> dendrite::async_bid(signal offer, std::string neuron, double cost,
                                                    std::optional<std::int64_t> eta_ms,
                                                    std::optional<double> confidence,
                                                    json::object meta) {
  require_type(offer, signal_type::task_offer, "bid");
  if (!find_axon(neuron))
    throw usage_error("bid: neuron '" + neuron + "' is not hosted by dendrite '" +
                      impl_->o.dendrite_id + "'");
  auto p = impl_;
  auto b = make_bid(offer, neuron, cost, eta_ms, confidence, meta);
  ++p->st.bids;
  if (!co_await p->publish(b)) co_return make_error_code(errc::publish_failed);
  co_return b;
}

// ---- STOP -----------------------------------------------------------------------------------

asio::awaitable<result<std::vector<signal>>> dendrite::async_stop_trace(
    protocol::trace_id trace, bool rollback, std::optional<std::string> reason,
    milliseconds collect_for) {
  auto p = impl_;
  require_orchestrator(*p, "stop_trace");
  if (!p->running) co_return make_error_code(errc::not_running);
  co_await p->ensure_type(signal_type::stop);
  auto stop = protocol::stop_signal(trace, rollback, std::move(reason));
  std::shared_ptr<pathway> collector;
  const auto key = stop.id.str();
  if (collect_for.count() > 0) {
    co_await p->ensure_type(signal_type::stopped);
    collector = std::make_shared<pathway>(trace, scope::all, pathway::kind::op);
    detail::pathway_access::use_deadlines(*collector, p->deadlines);
    p->collectors[key] = collector;
  }
  if (!co_await p->publish(std::move(stop))) {
    p->collectors.erase(key);
    co_return make_error_code(errc::publish_failed);
  }
  std::vector<signal> acks;
  if (!collector) co_return acks;
  auto until = std::chrono::steady_clock::now() + collect_for;
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto r = co_await collector->async_next(left);
    if (!r) break;
    if (r->type == signal_type::stopped) acks.push_back(std::move(*r));
  }
  p->collectors.erase(key);
  collector->close();
  co_return acks;
}

// ---- clarification / permission -------------------------------------------------------------

asio::awaitable<result<signal>> dendrite::async_respond_to_clarification(
    signal request, json::value answer, json::object extra, std::optional<std::string> neuron) {
  require_type(request, signal_type::clarification, "respond_to_clarification");
  require_orchestrator(*impl_, "respond_to_clarification");
  if (!neuron && request.directed && request.directed->id) neuron = request.directed->id;
  if (!neuron) throw protocol_error("respond_to_clarification: no neuron to send the answer to");
  auto q = request.payload.to_json();
  json::object c;
  c["question"] = q.contains("question") ? q.at("question") : json::value("");
  c["answer"] = std::move(answer);
  for (auto& kv : extra) c[kv.key()] = kv.value();
  dispatch_args args;
  args.neuron = std::move(neuron);
  args.input["clarification"] = std::move(c);
  args.trace = request.trace_id;
  args.parent = request.id;
  args.finalize = false;
  co_return co_await async_dispatch_task(std::move(args));
}

asio::awaitable<result<signal>> dendrite::async_respond_to_permission(
    signal request, bool granted, std::optional<std::string> reason,
    std::optional<std::int64_t> ttl_ms, json::object extra, std::optional<std::string> neuron) {
  require_type(request, signal_type::permission, "respond_to_permission");
  require_orchestrator(*impl_, "respond_to_permission");
  if (!neuron && request.directed && request.directed->id) neuron = request.directed->id;
  if (!neuron) throw protocol_error("respond_to_permission: no neuron to send the decision to");
  auto q = request.payload.to_json();
  json::object d;
  d["action"] = q.contains("action") ? q.at("action") : json::value("");
  d["granted"] = granted;
  if (reason) d["reason"] = *reason;
  if (ttl_ms) d["ttl_ms"] = *ttl_ms;
  for (auto& kv : extra) d[kv.key()] = kv.value();
  dispatch_args args;
  args.neuron = std::move(neuron);
  args.input["permission"] = std::move(d);
  args.trace = request.trace_id;
  args.parent = request.id;
  args.finalize = false;
  co_return co_await async_dispatch_task(std::move(args));
}

asio::awaitable<result<signal>> dendrite::async_answer_clarification(signal request,
                                                                     json::value answer) {
  require_type(request, signal_type::clarification, "answer_clarification");
  auto p = impl_;
  auto s = protocol::clarification_answer_signal(answer, answer_envelope(*p, request));
  if (!co_await p->publish(s)) co_return make_error_code(errc::publish_failed);
  co_return s;
}

asio::awaitable<result<signal>> dendrite::async_grant_permission(
    signal request, std::optional<std::string> reason, std::optional<std::int64_t> ttl_ms) {
  require_type(request, signal_type::permission, "grant_permission");
  auto p = impl_;
  auto s = protocol::permission_decision_signal(
      {.granted = true, .reason = std::move(reason), .ttl_ms = ttl_ms},
      answer_envelope(*p, request));
  if (!co_await p->publish(s)) co_return make_error_code(errc::publish_failed);
  co_return s;
}

asio::awaitable<result<signal>> dendrite::async_deny_permission(signal request,
                                                                std::optional<std::string> reason) {
  require_type(request, signal_type::permission, "deny_permission");
  auto p = impl_;
  auto s = protocol::permission_decision_signal({.granted = false, .reason = std::move(reason)},
                                                answer_envelope(*p, request));
  if (!co_await p->publish(s)) co_return make_error_code(errc::publish_failed);
  co_return s;
}

asio::awaitable<result<signal>> dendrite::async_await_decision(signal request,
                                                               milliseconds timeout) {
  signal_type expected;
  if (request.type == signal_type::clarification)
    expected = signal_type::clarification_answer;
  else if (request.type == signal_type::permission)
    expected = signal_type::permission_decision;
  else
    throw protocol_error("await_decision: expected a CLARIFICATION or PERMISSION, got " +
                         std::string(protocol::to_string(request.type)));
  auto p = impl_;
  if (auto hit = p->decisions.find(request.id.str(), expected)) co_return *hit;
  co_await p->ensure_type(expected);
  auto key = request.id.str();
  auto op = std::make_shared<pathway>(request.trace_id, scope::all, pathway::kind::op);
  detail::pathway_access::use_deadlines(*op, p->deadlines);
  p->ops[key] = op;
  auto r = co_await op->async_wait_for(expected, timeout);
  if (auto it = p->ops.find(key); it != p->ops.end() && it->second == op) p->ops.erase(it);
  op->close();
  co_return r;
}

void dendrite::inject_task(const signal& task) {
  ++impl_->st.tasks_received;
  impl_->route_and_run(std::make_shared<signal>(task));
}

}  // namespace neuromesh::runtime
