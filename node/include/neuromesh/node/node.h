#pragma once
// The node, `neuromesh up`: one process that runs
//   * the cosmo:// broker (synapse::broker_server), or a connection to the Synapse given as
//     config.synapse (nats://... to go past one machine);
//   * the registry mirror (registry_mirror.h) of every REGISTER / HEARTBEAT / DEREGISTER on
//     the namespace into the registry store, with the stale sweep;
//   * an Engram (SQLite in the data folder, engram_id "memory", kind "context") that agents
//     RECALL / IMPRINT (runtime::engram_host; DEREGISTERed at stop, entries kept across
//     restarts);
//   * the HTTP catalog (runspec-registry API) over the same store, extended with the web
//     view at `/`, its Server-Sent Events feed, its small JSON API and the node's counters
//     on `/metrics` (web_routes.h lists the routes).
//
// Lifecycle: construct (no I/O), start() (lock the data folder, open the stores, bind both
// ports, connect the Synapse; throws std::runtime_error with one line naming what failed),
// run() on one thread until stop() or SIGINT/SIGTERM (start(true)), then the phased stop: stop
// accepting HTTP, end the page streams, deregister attached participants and the Engram, close
// the Synapse, stop
// the broker (it lets queues drain for a moment), drain the mirror's queue, close the stores. The
// whole stop is bounded by shutdown_grace (plus a margin); past it the process exits.
//
// Attaching agents (the demo, or anything in the same process): synapse() and executor()
// give the node's own Synapse client; attach() makes the node REGISTER a participant,
// HEARTBEAT it every heartbeat_interval and DEREGISTER it when the node stops.
//
// Threads: the node's io_context (broker, Synapse client, timers) runs on the thread that
// calls run(); the store calls run on one store thread; HTTP on http_threads threads.
// stop(), attach() and the accessors may be called from any thread.

#include "neuromesh/node/config.h"
#include "neuromesh/protocol/builders.h"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

namespace neuromesh::synapse {
class synapse;
}

namespace neuromesh::node {

struct node_endpoints {
  std::string broker_url;  ///< where agents connect: cosmo://HOST:PORT or the nats:// URL
  std::string http_url;    ///< http://HOST:PORT (web view at /, catalog, /metrics)
  std::string store_url;   ///< sqlite:PATH or the postgres URL
  bool embedded_broker = true;
  std::string engram_id;  ///< the node's Engram ("memory", kind "context")
  std::string engram_kind;
  std::string engram_url;  ///< sqlite:PATH of its entries (data_dir/engram.db)
};

class node {
 public:
  explicit node(node_config config);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// With handle_signals, SIGINT and SIGTERM begin the phased stop from here on (a signal
  /// that arrives before run() is acted on when run() starts).
  void start(bool handle_signals = false);
  const node_endpoints& endpoints() const noexcept;
  /// Serves until stop() (or a handled signal); returns after the phased stop.
  void run();
  /// Begins the phased stop; thread-safe, idempotent.
  void stop();

  /// The node's Synapse client (connected after start()).
  synapse::synapse& bus();
  boost::asio::any_io_executor executor();
  /// REGISTERs the participant now, HEARTBEATs it, DEREGISTERs it on stop.
  void attach(protocol::register_args participant);

  /// The node's part of /metrics (Prometheus text).
  std::string metrics_text() const;

  struct impl;  ///< opaque; public so the .cc's free coroutines can name it

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace neuromesh::node
