#pragma once
// Hosting Engrams and Effectors on a Synapse (reference §4.6 steps 3–5, 9 and §4.11 for the
// Engram side; §6.2): the part of a Dendrite that serves RECALL, IMPRINT and TOOL_CALL.
//
//   engram_host host(io.get_executor(), bus, {.ns = "dev"});
//   host.attach(std::make_shared<sqlite_engram>(...));
//   host.attach(std::make_shared<calculator_effector>());
//   co_await host.async_start();   // subscribes, publishes REGISTER (role engram / effector)
//   ...
//   co_await host.async_stop();    // publishes DEREGISTER for each of them
//
// What it does with each inbound Signal is the plain function handle(): it returns the
// replies to publish, so it is tested without a transport and a Dendrite can call it from its
// own pipeline:
//   RECALL    -> RECALLED from every attached Engram it addresses (id, else kind)
//   IMPRINT   -> IMPRINTED likewise (idempotent by the IMPRINT's id)
//   TOOL_CALL -> TOOL_RESULT from every attached Effector it addresses
//   FINAL     -> commit(trace) on every Engram (the saga's commit point)
//   STOP      -> rollback: compensate(trace), else commit(trace); STOPPED (parent = STOP,
//                node = ns) when something was compensated
// Engram and Effector calls block (SQL, files), so the shell runs handle() on its own thread
// pool and publishes the replies from there; the receive path never waits on a database.
// The pool's queue is bounded (options.max_queued): past it a RECALL, IMPRINT or TOOL_CALL is
// answered at once, without touching the backend, with `error` "engram_overloaded: ..." (or
// "effector_overloaded: ..." on a TOOL_RESULT) from each Engram / Effector it addresses
// (EngramOverloaded, §6.1) and counted in stats().overloaded. FINAL and STOP always queue.
//
// Inside a Dendrite (dendrite::attach_engram / attach_effector) the host does not subscribe
// (options.subscribe = false): the Dendrite's §4.6 pipeline hands it RECALL, IMPRINT,
// TOOL_CALL and FINAL through serve(), and STOP through async_settle(), so the Dendrite sends
// one STOPPED that counts both its cancelled Neurons and the compensated writes.
//
// Lifecycle: attach -> async_start -> async_stop (DEREGISTERs; calls already running on the
// pool still publish their replies; the destructor waits for them). Not thread-safe itself:
// call it from coroutines on its executor. The Synapse must outlive it.

#include "neuromesh/protocol/signal.h"
#include "neuromesh/runtime/effector.h"
#include "neuromesh/runtime/engram.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace neuromesh::synapse {
class synapse;
}

namespace neuromesh::runtime {

struct engram_host_options {
  std::string ns = "default";  ///< subjects are cosmonapse.<ns>.<TYPE>
  std::size_t threads = 2;     ///< threads running Engram and Effector calls
  /// false: async_start subscribes nothing; the owner feeds Signals to serve() / async_settle().
  bool subscribe = true;
  /// RECALL / IMPRINT / TOOL_CALL waiting for a pool thread at most (0: no bound); more are
  /// answered "overloaded" at once.
  std::size_t max_queued = 1024;
};

/// Counters (monotonic since construction).
struct engram_host_stats {
  std::uint64_t recalls = 0;         ///< RECALLs answered
  std::uint64_t imprints = 0;        ///< IMPRINTs answered
  std::uint64_t tool_calls = 0;      ///< TOOL_CALLs answered
  std::uint64_t error_replies = 0;   ///< replies that carried `error`
  std::uint64_t commits = 0;         ///< journals committed (FINAL, STOP without rollback)
  std::uint64_t compensated = 0;     ///< writes undone by STOP with rollback
  std::uint64_t publish_errors = 0;  ///< replies the Synapse refused
  std::uint64_t overloaded = 0;      ///< requests shed (queue full): answered "overloaded"
};

class engram_host {
 public:
  engram_host(boost::asio::any_io_executor ex, synapse::synapse& bus,
              engram_host_options options = {});
  ~engram_host();
  engram_host(const engram_host&) = delete;
  engram_host& operator=(const engram_host&) = delete;

  /// Before async_start only (std::logic_error afterwards).
  void attach(std::shared_ptr<engram> e);
  void attach(std::shared_ptr<effector> fx);

  /// Subscribes RECALL, IMPRINT, TOOL_CALL, FINAL and STOP on the namespace (unless
  /// options.subscribe is false), then publishes one REGISTER per Engram (role "engram") and
  /// Effector (role "effector"). The Engrams must be connected. An error when a subscription
  /// or publish fails.
  boost::asio::awaitable<boost::system::error_code> async_start();
  /// Unsubscribes, then publishes one DEREGISTER per Engram and Effector (so a registry drops
  /// them at once instead of at its stale sweep). Idempotent; nothing before async_start.
  boost::asio::awaitable<void> async_stop();

  /// The replies to s (see above); empty when s concerns nothing hosted here.
  std::vector<protocol::signal> handle(const protocol::signal& s);
  /// What a subscription does with s: handle() on the pool, replies published on the
  /// executor. Returns at once.
  void serve(const protocol::signal& s);
  /// STOP's Engram side without a reply: on the pool, compensate(trace) on every Engram when
  /// rollback (returns how many writes were undone), else commit(trace) (returns 0).
  boost::asio::awaitable<std::size_t> async_settle(protocol::trace_id trace, bool rollback);

  bool has_engrams() const noexcept;
  bool has_effectors() const noexcept;
  /// The DEREGISTER Signals async_stop publishes.
  std::vector<protocol::signal> deregistrations() const;

  /// The REGISTER Signals async_start publishes.
  std::vector<protocol::signal> registrations() const;

  engram_host_stats stats() const noexcept;

  struct state;  ///< opaque

 private:
  std::shared_ptr<state> state_;
};

}  // namespace neuromesh::runtime
