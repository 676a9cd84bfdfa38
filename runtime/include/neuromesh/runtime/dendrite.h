#pragma once
// The Dendrite: a participant on a Synapse (reference/cosmonapse.md §4). It hosts Axons
// (serves TASKs, answers DISCOVER, heartbeats, bids), dispatches work and follows traces
// through Pathways, handles STOP, and mirrors the registry into a registry_store.
//
//   asio::io_context io;
//   synapse::memory_synapse bus;
//   runtime::dendrite d(io.get_executor(), bus, {.ns = "dev", .dendrite_id = "host"});
//   d.attach(runtime::axon({.neuron_id = "echo", .neuron = echo_fn, .capabilities = {"echo"}}));
//   co_await d.async_start();                      // subscribes, REGISTERs "echo"
//   auto reply = co_await d.async_dispatch_and_wait({.neuron = "echo", .input = in}, 5s);
//   co_await d.async_stop();                       // DEREGISTERs "echo"
//
// Threading: a dendrite lives on one executor (the one given to the constructor) and is not
// thread-safe: call it from coroutines running on that executor (give it a strand when the
// io_context runs on several threads). Synapse handlers are subscribed from that executor,
// so every inbound Signal is handled there too. Neurons run in their own coroutines, off the
// receive path: while one runs, STOP, DISCOVER and other TASKs are still served.
//
// Lifecycle: construct -> attach / on(...) -> async_start -> ... -> async_stop. Start and stop
// follow §4.4–4.5 exactly (stop: close Pathways, unsubscribe, drain in-flight Neurons for up
// to drain_timeout, cancel the rest, then per Axon: close hooks, store mark_deregistered,
// DEREGISTER). Destroying a running dendrite stops it without waiting: in-flight Neurons are
// cancelled and the DEREGISTERs are published by a coroutine that keeps the internals (and
// needs the Synapse) alive until they are out. The Synapse and the store are not owned and
// must outlive the dendrite.
//
// Errors: programmer errors throw (errors.h); expected failures are values (errc.h).
// Counters for everything rejected, dropped or retried are in stats().

#include "neuromesh/protocol/signal.h"
#include "neuromesh/registry/neuron_record.h"
#include "neuromesh/runtime/axon.h"
#include "neuromesh/runtime/bidding.h"
#include "neuromesh/runtime/errc.h"
#include "neuromesh/runtime/pathway.h"
#include "neuromesh/runtime/retry.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace neuromesh::synapse {
class synapse;
}
namespace neuromesh::registry {
class registry_store;
}

namespace neuromesh::runtime {

class engram;
class effector;
class engram_client;

/// Orchestrators may initiate TASK and STOP; workers may not (§2.3).
enum class role { orchestrator, worker };
/// "orchestrator" / "worker"; throws usage_error otherwise.
runtime::role parse_role(std::string_view s);

struct dendrite_options {
  std::string ns = "default";            ///< the namespace: subjects are cosmonapse.<ns>.<TYPE>
  std::string dendrite_id = "dendrite";  ///< directed.id of what the dendrite emits as itself
  std::chrono::milliseconds heartbeat{30000};  ///< 0 = no heartbeats
  bool reregister_on_heartbeat = true;         ///< REGISTER again with every heartbeat
  runtime::role role = role::orchestrator;
  bool auto_bid = true;  ///< bid for offers a hosted Axon covers (unless on(TASK_OFFER) is used)
  /// Records older than this are marked deregistered by the sweep; default 3 x heartbeat,
  /// 0 = off. Runs every heartbeat interval, with or without Axons (a pure orchestrator
  /// with a store sweeps too, unlike the Python SDK).
  std::optional<std::chrono::milliseconds> stale_after{};
  std::chrono::milliseconds drain_timeout{5000};   ///< how long stop() waits for Neurons
  std::chrono::milliseconds discover_jitter{100};  ///< DISCOVER answered after 0..jitter
  /// Pending DISCOVER answers (distinct filters) beyond this are dropped and counted.
  std::size_t max_pending_discovers = 64;
  /// The clock of the stale sweep and of find_neurons(max_age) (tests inject one).
  std::function<registry::time_point()> clock{};
  /// Threads of the pool that runs synchronous Neurons and the registry_store calls of the
  /// inbound path, heartbeats, REGISTER / DEREGISTER and the timed stale sweep, off the
  /// dendrite's executor (made on first use; 0 counts as 1).
  std::size_t blocking_threads = 4;
};

/// The neuron / capability / trace_id filters of every handler (§4.3).
struct handler_filter {
  std::optional<std::string> neuron{};      ///< directed.id equals
  std::optional<std::string> capability{};  ///< see §4.3 (offer caps, local Axon, store)
  std::optional<std::string> trace_id{};    ///< trace_id equals
};

/// A handler for inbound Signals: `void(const signal&)` or `asio::awaitable<void>(const
/// signal&)`. Handlers of one type run concurrently; exceptions are logged and counted.
class signal_handler {
 public:
  using sync_fn = std::function<void(const protocol::signal&)>;
  using async_fn = std::function<boost::asio::awaitable<void>(const protocol::signal&)>;
  template <class F>
  requires std::invocable<F&, const protocol::signal&> signal_handler(
      F f) {  // NOLINT(google-explicit-constructor)
    if constexpr (std::is_same_v<std::invoke_result_t<F&, const protocol::signal&>,
                                 boost::asio::awaitable<void>>)
      async_ = std::move(f);
    else
      sync_ = std::move(f);
  }
  const sync_fn& sync() const noexcept { return sync_; }
  const async_fn& async() const noexcept { return async_; }

 private:
  sync_fn sync_;
  async_fn async_;
};

/// What a dispatch sends (§4.8). Addressed with `neuron`, capability-routed with
/// `capabilities`, an open call with neither.
struct dispatch_args {
  std::optional<std::string> neuron{};
  boost::json::object input{};
  std::vector<std::string> capabilities{};
  std::optional<protocol::trace_id> trace{};  ///< default: a new trace
  std::optional<protocol::event_id> parent{};
  std::string context_ref{};
  /// Ask the worker to promote its AGENT_OUTPUT to FINAL; default: scope == terminal.
  std::optional<bool> finalize{};
  boost::json::object meta{};
  runtime::scope scope = scope::all;
};

/// What dispatch_offer adds (§4.9).
struct offer_args {
  select_policy select = select_policy::first_bid;
  std::chrono::milliseconds deadline{250};
};

/// Counters (monotonic since construction).
struct dendrite_stats {
  std::uint64_t tasks_received = 0;      ///< TASKs (and awards) seen
  std::uint64_t tasks_not_hosted = 0;    ///< not for us (addressed elsewhere, no matching Axon)
  std::uint64_t tasks_run = 0;           ///< Neuron calls started
  std::uint64_t tasks_cancelled = 0;     ///< Neuron calls cancelled (STOP, stop())
  std::uint64_t replies = 0;             ///< replies published (incl. FINAL promotions)
  std::uint64_t publish_errors = 0;      ///< publishes the Synapse refused
  std::uint64_t handler_errors = 0;      ///< user handlers that threw
  std::uint64_t rejected = 0;            ///< inbound Signals with a malformed payload
  std::uint64_t register_conflicts = 0;  ///< REGISTERs for a hosted id not sent by us
  std::uint64_t discovers_answered = 0;
  std::uint64_t discovers_dropped = 0;  ///< coalesced with a pending answer, or over the cap
  std::uint64_t stale_swept = 0;        ///< records marked deregistered by the sweep
  std::uint64_t store_errors = 0;       ///< registry_store calls that failed
  std::uint64_t bids = 0;               ///< BIDs sent (auto or explicit)
  std::uint64_t stops_acked = 0;        ///< STOPPED sent
};

class dendrite {
 public:
  /// store may be null (no mirroring; registry helpers throw state_error).
  dendrite(boost::asio::any_io_executor ex, synapse::synapse& bus,
           registry::registry_store* store = nullptr, dendrite_options options = {});
  ~dendrite();
  dendrite(const dendrite&) = delete;
  dendrite& operator=(const dendrite&) = delete;

  const dendrite_options& options() const noexcept;
  bool running() const noexcept;
  /// Sorted, de-duplicated union of the hosted Axons' capabilities.
  std::vector<std::string> capabilities() const;
  /// The hosted Axons in attach order.
  std::vector<std::shared_ptr<axon>> axons() const;
  /// The hosted Axon with that id, or null.
  std::shared_ptr<axon> find_axon(std::string_view neuron_id) const;
  dendrite_stats stats() const noexcept;
  /// Pathways (trace, op and ack-collector) this dendrite currently holds open.
  std::size_t open_pathways() const noexcept;
  /// Neuron calls running now.
  std::size_t in_flight() const noexcept;
  boost::asio::any_io_executor get_executor() const noexcept;
  /// The pool blocking work runs on (sync Neurons; see dendrite_options::blocking_threads).
  /// Made on first call; its threads are joined when the dendrite's internals go away.
  boost::asio::any_io_executor blocking_executor();

  // ---- attachment (§4.2) ----------------------------------------------------------------
  /// Only while stopped (state_error otherwise: use async_add); usage_error for a duplicate id.
  axon& attach(axon a);
  /// Stopped or running; when running: subscriptions, store, REGISTER, connect hooks.
  boost::asio::awaitable<axon*> async_add(axon a);
  /// Close hooks, store mark_deregistered and DEREGISTER (with reason) when running;
  /// unknown_neuron for an id that is not attached.
  boost::asio::awaitable<void> async_detach(std::string neuron_id, std::string reason = {});

  // ---- Engrams and Effectors (§4.6 steps 3–5, §4.15, §6.2; dendrite_engram.cc) ----------
  /// Hosts a connected Engram: REGISTER role "engram" at start (DEREGISTER at stop); RECALL
  /// and IMPRINT addressed to its id or kind are served from the inbound pipeline (on a
  /// thread pool; replies parented to the request, directed = {id, kind}); FINAL of a trace
  /// commits its saga journal, STOP with rollback compensates it (STOPPED.compensated counts
  /// the undone writes), STOP without rollback commits. Only while stopped (state_error
  /// otherwise); usage_error for an id this dendrite already hosts.
  void attach_engram(std::shared_ptr<engram> e);
  /// Hosts an Effector: REGISTER role "effector", TOOL_CALL -> TOOL_RESULT (tool failures in
  /// `error`). Same rules as attach_engram.
  void attach_effector(std::shared_ptr<effector> fx);
  /// The caller that sends the binding calls of the hosted Axons (ctx.engram(...)): running
  /// from start while an attached Axon has bindings, else null.
  std::shared_ptr<engram_client> engram_caller() const noexcept;

  // ---- handlers (§4.3) ------------------------------------------------------------------
  /// A handler for every inbound Signal of type t that passes the filter. TASK handlers
  /// observe TASKs without changing routing; an on(TASK_OFFER) handler turns auto-bid off.
  /// When running, the subscription is made asynchronously (async_ensure_subscribed waits).
  void on(protocol::signal_type t, handler_filter filter, signal_handler h);
  void on(protocol::signal_type t, signal_handler h) { on(t, {}, std::move(h)); }
  /// Handler for the given types of one trace (default: §2.3's on_trace set).
  void on_trace(protocol::trace_id trace, signal_handler h,
                std::vector<protocol::signal_type> types = {}, handler_filter filter = {});
  /// Replaces the built-in DISCOVER answer by h.
  void on_discover(signal_handler h);
  /// Subscribes the given types now (removes the race of on() while running).
  boost::asio::awaitable<void> async_ensure_subscribed(std::vector<protocol::signal_type> types);

  /// Lifecycle hooks: on_connect after start, on_refresh on every heartbeat tick and registry
  /// event, on_schedule every `every` (usage_error when <= 0; first run after one interval).
  void on_connect(std::function<void(dendrite&)> fn);
  void on_refresh(std::function<void(dendrite&, const refresh_event&)> fn);
  void on_schedule(std::chrono::milliseconds every, std::function<void(dendrite&)> fn);
  /// Called by STOP handling with (trace, rollback); returns how many actions it compensated
  /// (STOPPED.compensated). Without one, compensated is 0.
  void on_rollback(std::function<std::int64_t(const protocol::trace_id&, bool rollback)> fn);
  /// Fires the refresh hooks with reason (default "manual").
  void refresh(std::string reason = "manual");

  // ---- lifecycle (§4.4–4.5) -------------------------------------------------------------
  /// Connects the Synapse and store, subscribes, REGISTERs every Axon, starts heartbeats,
  /// DISCOVERs (with a store). An error when the Synapse cannot connect. Idempotent.
  boost::asio::awaitable<boost::system::error_code> async_start();
  /// Idempotent; reason goes into each DEREGISTER's payload when not empty.
  boost::asio::awaitable<void> async_stop(std::string reason = {});

  // ---- dispatch (§4.8, orchestrator role) ----------------------------------------------
  /// Fire and forget: builds and publishes the TASK (TASK.routed for capability routing).
  /// protocol_error for a worker; errc::publish_failed / not_running as values.
  boost::asio::awaitable<result<protocol::signal>> async_dispatch_task(dispatch_args a);
  /// Opens a Pathway for the trace, then publishes the TASK.
  boost::asio::awaitable<result<std::shared_ptr<pathway>>> async_dispatch(dispatch_args a);
  /// dispatch + wait() + close: the first AGENT_OUTPUT / CLARIFICATION / PERMISSION / ERROR /
  /// FINAL (only FINAL/ERROR/... under scope terminal), or errc::timeout.
  boost::asio::awaitable<result<protocol::signal>> async_dispatch_and_wait(
      dispatch_args a, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// dispatch_and_wait under a retry_strategy (§4.12): abandoned traces are STOPped.
  boost::asio::awaitable<result<protocol::signal>> async_run_with_retry(dispatch_args a,
                                                                        retry_strategy retry);
  /// TASK_OFFER, collect BIDs, decline the losers, award the winner (§4.9). The returned
  /// Pathway follows the trace; errc::no_responder when no BID came in time.
  boost::asio::awaitable<result<std::shared_ptr<pathway>>> async_dispatch_offer(dispatch_args a,
                                                                                offer_args o = {});
  /// A Pathway on a trace someone else started (usage_error if one is open here already).
  boost::asio::awaitable<std::shared_ptr<pathway>> async_observe_pathway(
      protocol::trace_id trace, runtime::scope s = scope::all);

  // ---- emitting (§4.8) ------------------------------------------------------------------
  /// Publishes a SYNAPSE type (protocol_error otherwise; TASK/STOP need the orchestrator role).
  boost::asio::awaitable<result<protocol::signal>> async_emit(protocol::signal s);
  boost::asio::awaitable<result<protocol::signal>> async_emit_final(
      protocol::trace_id trace, std::optional<protocol::event_id> parent, boost::json::value result,
      std::optional<std::string> neuron = std::nullopt);
  boost::asio::awaitable<result<protocol::signal>> async_emit_error(
      protocol::trace_id trace, std::optional<protocol::event_id> parent, std::string code,
      std::string message, bool recoverable = false,
      std::optional<std::string> neuron = std::nullopt);

  // ---- bidding (§4.9) -------------------------------------------------------------------
  /// A BID for offer on behalf of a hosted neuron (protocol_error if offer is not a
  /// TASK_OFFER, usage_error if neuron is not hosted here — the SDK did not check).
  boost::asio::awaitable<result<protocol::signal>> async_bid(
      protocol::signal offer, std::string neuron, double cost,
      std::optional<std::int64_t> eta_ms = std::nullopt,
      std::optional<double> confidence = std::nullopt, boost::json::object meta = {});

  // ---- STOP (§4.11) ---------------------------------------------------------------------
  /// Publishes STOP for trace (orchestrator only); with collect_for > 0 returns the STOPPED
  /// acks that arrived within it.
  boost::asio::awaitable<result<std::vector<protocol::signal>>> async_stop_trace(
      protocol::trace_id trace, bool rollback = false,
      std::optional<std::string> reason = std::nullopt,
      std::chrono::milliseconds collect_for = std::chrono::milliseconds(0));

  // ---- clarification / permission (§4.14) -----------------------------------------------
  /// Follow-up TASK to the asker: input {"clarification": {"question", "answer", ...extra}}.
  boost::asio::awaitable<result<protocol::signal>> async_respond_to_clarification(
      protocol::signal request, boost::json::value answer, boost::json::object extra = {},
      std::optional<std::string> neuron = std::nullopt);
  /// Follow-up TASK: input {"permission": {"action", "granted", "reason"?, "ttl_ms"?, ...}}.
  boost::asio::awaitable<result<protocol::signal>> async_respond_to_permission(
      protocol::signal request, bool granted, std::optional<std::string> reason = std::nullopt,
      std::optional<std::int64_t> ttl_ms = std::nullopt, boost::json::object extra = {},
      std::optional<std::string> neuron = std::nullopt);
  /// CLARIFICATION_ANSWER parented to request (any role).
  boost::asio::awaitable<result<protocol::signal>> async_answer_clarification(
      protocol::signal request, boost::json::value answer);
  /// PERMISSION_DECISION granted=true / false parented to request (any role).
  boost::asio::awaitable<result<protocol::signal>> async_grant_permission(
      protocol::signal request, std::optional<std::string> reason = std::nullopt,
      std::optional<std::int64_t> ttl_ms = std::nullopt);
  boost::asio::awaitable<result<protocol::signal>> async_deny_permission(
      protocol::signal request, std::optional<std::string> reason = std::nullopt);
  /// The CLARIFICATION_ANSWER / PERMISSION_DECISION for request: from the 256-entry cache
  /// if it already flew by, else the next one (errc::timeout).
  boost::asio::awaitable<result<protocol::signal>> async_await_decision(
      protocol::signal request, std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// Runs a locally built TASK through the hosting path as if it had arrived (replies are
  /// published as usual). For resumptions such as answering a clarification in-process.
  void inject_task(const protocol::signal& task);

  // ---- registry (§4.13; state_error without a store) -----------------------------------
  // The async_ helpers run the store call on the blocking pool (in order with the dendrite's
  // own store calls: mirroring, heartbeats, REGISTER / DEREGISTER, the timed sweep) and
  // resume on the dendrite's executor. The synchronous ones call the store inline and so
  // block the calling thread — the dendrite's executor — for as long as the store takes
  // (fine for the in-memory store; prefer the async_ ones with SQLite / PostgreSQL). A store
  // call that fails is logged, counted in stats().store_errors and gives an empty answer.
  /// Live records (status not deregistered), optionally with a capability and seen within
  /// max_age.
  boost::asio::awaitable<std::vector<registry::neuron_record>> async_find_neurons(
      std::optional<std::string> capability = std::nullopt,
      std::optional<std::chrono::milliseconds> max_age = std::nullopt);
  boost::asio::awaitable<std::vector<registry::neuron_record>> async_registry_snapshot(
      std::optional<std::string> capability = std::nullopt, bool include_deregistered = false,
      std::optional<std::chrono::milliseconds> max_age = std::nullopt);
  /// One stale sweep now (what the timer does every heartbeat interval); returns the ids
  /// found overdue (each marked deregistered unless its store call failed).
  boost::asio::awaitable<std::vector<std::string>> async_sweep_stale();
  /// Blocking forms of the three above.
  std::vector<registry::neuron_record> find_neurons(
      std::optional<std::string> capability = std::nullopt,
      std::optional<std::chrono::milliseconds> max_age = std::nullopt);
  std::vector<registry::neuron_record> registry_snapshot(
      std::optional<std::string> capability = std::nullopt, bool include_deregistered = false,
      std::optional<std::chrono::milliseconds> max_age = std::nullopt);
  std::vector<std::string> sweep_stale();

  struct impl;  ///< opaque

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace neuromesh::runtime
