#pragma once
// node::impl: the parts of a running node, shared by node.cc (lifecycle), web_routes.cc
// (the HTTP extension) and node_metrics.cc (/metrics).

#include "neuromesh/catalog/server.h"
#include "neuromesh/catalog/service.h"
#include "neuromesh/node/data_dir_lock.h"
#include "neuromesh/node/node.h"
#include "neuromesh/node/registry_mirror.h"
#include "neuromesh/node/signal_feed.h"
#include "neuromesh/node/signal_stats.h"
#include "neuromesh/runtime/engram.h"
#include "neuromesh/runtime/engram_host.h"
#include "neuromesh/synapse/broker_server.h"
#include "neuromesh/synapse/synapse.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace neuromesh::node {

/// directed.id of the Signals the node itself sends (answers from the page).
inline constexpr std::string_view node_identity = "neuromesh-node";

struct node::impl {
  explicit impl(node_config c);

  node_config config;
  node_endpoints endpoints;
  std::optional<data_dir_lock> lock;

  boost::asio::io_context ioc;  ///< broker, Synapse client, timers (posted to by NATS threads)
  boost::asio::io_context store_ioc{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      store_guard;
  std::thread store_thread;
  std::thread http_thread;

  std::shared_ptr<registry::registry_store> store;
  std::unique_ptr<registry_mirror> mirror;  ///< store thread only
  mutable std::mutex mirror_mu;             ///< guards mirror_snapshot
  mirror_stats mirror_snapshot;
  std::atomic<std::uint64_t> mirror_queued{0};
  std::atomic<std::uint64_t> mirror_dropped{0};

  std::unique_ptr<synapse::broker_server> broker;
  std::unique_ptr<synapse::synapse> bus;
  synapse::subscription feed_sub;
  std::shared_ptr<runtime::engram> memory;            ///< the node's Engram
  std::unique_ptr<runtime::engram_host> engram_host;  ///< serves it on bus (destroyed first)

  std::unique_ptr<catalog::catalog_service> catalog;
  std::unique_ptr<catalog::server> http;

  signal_feed feed;
  signal_stats stats;

  std::mutex requests_mu;  ///< CLARIFICATION / PERMISSION awaiting an answer, by id
  std::map<std::string, protocol::signal> open_requests;

  std::mutex participants_mu;
  std::vector<protocol::register_args> participants;

  boost::asio::steady_timer sweep_timer{ioc};
  boost::asio::steady_timer ping_timer{ioc};
  boost::asio::steady_timer heartbeat_timer{ioc};
  boost::asio::signal_set signals{ioc};
  std::atomic<bool> stopping{false};
  bool started = false;
  bool ran = false;

  // The stop's watchdog: ends the process when the phased stop overruns its bound.
  std::mutex watchdog_mu;
  std::condition_variable watchdog_cv;
  bool stop_done = false;
  std::thread watchdog_thread;

  /// Every Signal of the namespace arrives here (node io_context).
  void on_signal(const protocol::signal& s);
  /// Queues a lifecycle Signal for the mirror (store thread).
  void mirror_signal(const protocol::signal& s);
  /// Publishes s on its subject (from any thread; waits up to timeout). Empty on success,
  /// else why it failed.
  std::string publish_blocking(protocol::signal s, std::chrono::milliseconds timeout);
  /// The hello event of a page: namespace and endpoints.
  std::string hello_json() const;
  catalog::service_extension make_extension();
  /// The node's counters in Prometheus text (appended to the catalog's /metrics).
  std::string render_metrics() const;
  void begin_stop();
};

}  // namespace neuromesh::node
