#pragma once
// The dendrite's internals (layer-internal): state shared by dendrite.cc (lifecycle,
// attachment, heartbeats, registry), dendrite_inbound.cc (the §4.6 pipeline, TASK routing,
// STOP, DISCOVER) and dendrite_dispatch.cc (dispatch, offers, retries, decisions).
//
// Everything here runs on impl::ex (one executor, no locks). Synapse handlers and spawned
// coroutines hold a shared_ptr (or weak_ptr) to the impl, so they never outlive it.

#include "blocking_pool.h"
#include "deadline_queue.h"
#include "neuromesh/protocol/signal.h"
#include "neuromesh/protocol/signal_type.h"
#include "neuromesh/registry/registry_store.h"
#include "neuromesh/runtime/decision_cache.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/runtime/stale_sweep.h"
#include "neuromesh/synapse/synapse.h"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <deque>
#include <exception>
#include <list>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace neuromesh::synapse {
class memory_synapse;
}

namespace neuromesh::runtime {

class engram_host;

struct dendrite::impl : std::enable_shared_from_this<impl> {
  impl(boost::asio::any_io_executor e, synapse::synapse& b, registry::registry_store* s,
       dendrite_options opts);

  static constexpr std::size_t type_count = protocol::signal_type_count;
  static std::size_t idx(protocol::signal_type t) { return static_cast<std::size_t>(t); }

  boost::asio::any_io_executor ex;
  synapse::synapse& bus;
  // The in-process Synapse publishes without a coroutine frame (null for other backends).
  synapse::memory_synapse* memory_bus = nullptr;
  // cosmonapse.<ns>.<TYPE> per type, and the TASK.routed subject: built once.
  std::array<std::string, type_count> subjects;
  std::string routed_subject;
  registry::registry_store* store;
  dendrite_options o;
  dendrite* self = nullptr;  // null once the dendrite object is gone
  bool running = false;
  bool started_once = false;

  std::vector<std::shared_ptr<axon>> axons;

  // Subscriptions: one per type (inbound pipeline), plus the two TASK ones.
  std::array<std::optional<synapse::subscription>, type_count> subs{};
  std::array<bool, type_count> subscribing{};
  bool pathway_subscribed = false;  // every pathway type subscribed (until unsubscribe_all)
  std::optional<synapse::subscription> task_sub, routed_sub;
  std::string routed_group;

  struct handler_entry {
    handler_filter filter;
    signal_handler handler;
  };
  std::array<std::vector<handler_entry>, type_count> handlers{};
  std::vector<signal_handler> discover_handlers;

  // Pathways by trace (originator/observer); the key views the Pathway's own trace string,
  // which lives as long as the entry.
  std::unordered_map<std::string_view, std::shared_ptr<pathway>> pathways;
  // Nodes of closed Pathways' entries and finished tasks' records, kept for the next ones
  // (at most max_spare_nodes each): no allocation per dispatch / Neuron run.
  static constexpr std::size_t max_spare_nodes = 64;
  std::vector<decltype(pathways)::node_type> spare_pathway_nodes;
  // dispatch_and_wait's Pathways once closed (nobody else ever held them), kept for reuse.
  std::vector<std::shared_ptr<pathway>> spare_pathways;
  /// A new originator Pathway for trace (a spare one when there is one); not yet opened.
  std::shared_ptr<pathway> new_pathway(const protocol::trace_id& trace, runtime::scope s);
  /// Closes pw (dispatch_and_wait's) and keeps it for reuse if nothing else holds it.
  void close_and_recycle(std::shared_ptr<pathway> pw);
  // Op Pathways by request id, ack collectors by STOP id.
  std::unordered_map<std::string, std::shared_ptr<pathway>> ops, collectors;

  // In-flight Neuron calls: one node each (stable address: the cancellation signal and the
  // TASK live here until the run completes). STOP scans them; `tracked` turns false once the
  // trace saw FINAL / ERROR (a later STOP no longer counts them).
  struct task_rec {
    explicit task_rec(synapse::shared_signal t) : shared(std::move(t)) {}
    task_rec() = default;
    const protocol::signal& task() const noexcept { return *shared; }
    synapse::shared_signal shared;  // the delivered TASK itself: kept, not copied
    boost::asio::cancellation_signal cancel;
    bool cancelled = false;
    bool tracked = true;
  };
  std::list<task_rec> tasks;
  std::list<task_rec> spare_tasks;  // finished records (no TASK held), reused
  std::size_t in_flight = 0;
  std::unique_ptr<boost::asio::steady_timer> drain_timer;

  detail::blocking_pool pool;

  decision_cache decisions;
  dendrite_stats st;
  stale_sweep sweeper;
  /// One timer for every timed Pathway wait of this dendrite (deadline_queue.h).
  std::shared_ptr<detail::deadline_queue> deadlines;

  std::vector<std::function<void(dendrite&)>> connect_hooks;
  std::vector<std::function<void(dendrite&, const refresh_event&)>> refresh_hooks;
  struct schedule {
    std::chrono::milliseconds every;
    std::function<void(dendrite&)> fn;
  };
  std::vector<schedule> schedules;
  std::function<std::int64_t(const protocol::trace_id&, bool)> rollback;

  std::shared_ptr<boost::asio::steady_timer> heartbeat_timer;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> schedule_timers;

  // Lifecycle Signals we published (to tell our REGISTER loopback from a conflicting claim).
  std::unordered_set<std::string> own_ids;
  std::deque<std::string> own_order;
  std::unordered_set<std::string> pending_discovers;
  std::mt19937 rng{std::random_device{}()};

  // ---- helpers (dendrite.cc) ----
  registry::time_point now() const { return o.clock ? o.clock() : registry::now_utc(); }
  void remember_own(const protocol::event_id& id);
  bool is_pathway_subscribed();
  boost::asio::awaitable<void> ensure_type(protocol::signal_type t);
  boost::asio::awaitable<void> ensure_task_subscriptions();
  boost::asio::awaitable<void> ensure_pathway_types();
  boost::asio::awaitable<bool> publish(protocol::signal s);
  /// The transport's publish of s, handed back as it is (no coroutine frame of ours on the
  /// hot paths); the caller reports its outcome through sent().
  boost::asio::awaitable<boost::system::error_code> send(protocol::signal&& s);
  /// True for success; otherwise counts (stats().publish_errors) and logs the failure.
  bool sent(const boost::system::error_code& ec);
  /// Publishes through the in-process Synapse without suspending (memory_bus only).
  bool publish_now(protocol::signal&& s);
  const std::string& subject_of(const protocol::signal& s) const;
  boost::asio::awaitable<void> register_axon(std::shared_ptr<axon> a);
  boost::asio::awaitable<void> deregister_axon(std::shared_ptr<axon> a, std::string reason);
  void fire_refresh(const refresh_event& e);
  void store_call_failed(const char* what, const std::string& message);
  /// Guards the registry_store against calls still queued on the pool once the dendrite
  /// is gone (the store need only outlive the dendrite, not its shared state): the
  /// destructor sets `gone` under the lock, which waits for the call running now.
  struct store_guard {
    std::mutex mu;
    bool gone = false;
  };
  std::shared_ptr<store_guard> store_lock = std::make_shared<store_guard>();
  /// Mirroring calls spawned but not finished (async_stop waits for them).
  std::size_t mirror_pending = 0;
  /// Runs a registry_store call on the pool's strand (in call order); resumes here. Once
  /// the dendrite is destroyed a queued call does not touch the store and fails instead.
  template <class T>
  boost::asio::awaitable<registry::store_result<T>> store_call(
      std::function<registry::store_result<T>()> fn) {
    std::function<registry::store_result<T>()> guarded =
        [g = store_lock, fn = std::move(fn)]() -> registry::store_result<T> {
      std::lock_guard lock(g->mu);
      if (g->gone)
        return registry::store_error{make_error_code(boost::system::errc::operation_canceled),
                                     "the dendrite was destroyed"};
      return fn();
    };
    return detail::async_run_on<registry::store_result<T>>(pool.serial(), std::move(guarded));
  }
  /// Waits until every store call made so far (mirroring included) has run.
  boost::asio::awaitable<void> drain_store_calls();
  /// The stale sweep with its store calls on the pool (the timer's, and async_sweep_stale):
  /// the ids found due.
  boost::asio::awaitable<std::vector<std::string>> async_sweep_stale();
  void start_heartbeat();
  void start_schedules();
  void cancel_timers();
  void unsubscribe_all();
  void close_all_pathways();
  std::size_t cancel_tasks(const std::string& trace);
  void cancel_all_tasks();
  void open_pathway(const std::shared_ptr<pathway>& pw);
  void spawn(boost::asio::awaitable<void> a, const char* what);

  // ---- Engrams, Effectors and the bindings' caller (dendrite_engram.cc) ----
  std::shared_ptr<engram_host> hosting;   // made by attach_engram / attach_effector
  std::shared_ptr<engram_client> caller;  // while an Axon with bindings is attached
  /// Starts the caller (bound Axons) and the hosting (subscriptions, REGISTERs). Idempotent.
  boost::asio::awaitable<void> start_engrams();
  /// Wakes waiting binding calls with cancelled; DEREGISTERs hosted Engrams / Effectors.
  boost::asio::awaitable<void> stop_caller();
  boost::asio::awaitable<void> stop_hosting();
  /// The destructor of a running dendrite: the DEREGISTERs go out from a coroutine.
  void abandon_engrams();
  /// §4.6 steps 3–5 and 9: RECALL / IMPRINT / TOOL_CALL / FINAL to the hosted ones.
  void serve_engrams(const protocol::signal& s);
  /// STOP's reply: STOPPED once the hosted Engrams settled the trace (rollback compensates),
  /// when anything was cancelled, compensated or observed.
  void ack_stop(const protocol::signal& stop, bool rollback, std::size_t cancelled,
                std::int64_t compensated, bool had_pathway);

  // ---- inbound (dendrite_inbound.cc) ----
  synapse::handler make_handler(bool task_path);
  void on_inbound(const synapse::shared_signal& sp);
  void on_task(const synapse::shared_signal& s);
  void route_and_run(const synapse::shared_signal& task);
  /// Runs a on task (copied / moved once, into its in-flight record).
  void run_task(std::shared_ptr<axon> a, synapse::shared_signal task);
  void start_task(std::shared_ptr<axon> a, std::list<task_rec>::iterator rec);
  void task_done(std::list<task_rec>::iterator rec);
  /// Stops STOP from counting the trace's running tasks (it saw FINAL / ERROR).
  void untrack_tasks(std::string_view trace);
  void on_discover(const protocol::signal& s);
  void on_stop(const protocol::signal& s);
  void on_award(const protocol::signal& s);
  void auto_bid(const protocol::signal& offer);
  void mirror(const protocol::signal& s);
  boost::asio::awaitable<void> async_mirror(protocol::signal s);
  void fire_handlers(const protocol::signal& s);
  bool passes(const handler_filter& f, const protocol::signal& s) const;
  void run_handler(const signal_handler& h, const protocol::signal& s);
};

/// The REGISTER an Axon announces itself with (meta.catch_all when it answers open calls).
protocol::signal make_register(const axon& a);

/// Builds a BID for offer (used by async_bid and auto-bid).
protocol::signal make_bid(const protocol::signal& offer, const std::string& neuron, double cost,
                          std::optional<std::int64_t> eta_ms, std::optional<double> confidence,
                          const boost::json::object& meta);

}  // namespace neuromesh::runtime
