#pragma once
// The catalog service: the runspec-registry HTTP API (reference/runspec-registry.md §2–§3)
// as a plain function from request to response, plus the periodic sweep. No sockets here;
// server.h puts it on the network.
//
// handle() never waits on a database: writes are queued to the store's writer and the
// response carries a pending_write that settles after the commit; GET /neurons runs the
// registry read on the service's reader thread and returns a deferred_response. A caller
// on an event loop awaits either (server.cc); other callers may block on them.
//
// Thread-safety: handle() and sweep() may run concurrently from any number of threads.
// Lock order (see README): table mutex, then the store's queue lock; the rate limiter and
// the metrics lock nothing else while held.

#include "neuromesh/catalog/http_message.h"
#include "neuromesh/catalog/instance.h"
#include "neuromesh/catalog/instance_store.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace neuromesh::catalog {

/// Requests per minute per (client address, exact path) for each write route (§6).
struct rate_limits {
  int register_per_minute = 60;
  int heartbeat_per_minute = 120;
  int tools_per_minute = 60;
  int delete_per_minute = 60;
  int failed_auth_per_minute = 60;  ///< per client address over every path
  bool enabled = true;

  /// Every limit multiplied by factor (benchmarks raise them; 0 disables).
  rate_limits scaled(double factor) const;
};

struct service_options {
  std::optional<std::string> api_key;  ///< writes need X-API-Key == api_key when set
  rate_limits limits;
  std::chrono::milliseconds retention{std::chrono::hours(24 * 7)};  ///< inactive records GC
  std::size_t max_tools = 10'000;                                   ///< per instance; more is a 422
  /// Injected wall clock (tests move time by hand).
  std::function<wall_time()> clock = [] { return wall_clock::now(); };
};

/// What one sweep did (logged by the caller, counted on /metrics).
struct sweep_result {
  std::size_t marked_inactive = 0;
  std::size_t garbage_collected = 0;
  bool store_ok = true;
};

/// Renders the Cosmonapse NeuronRecords for GET /neurons: (capability filter,
/// include_deregistered) -> JSON array text, or nullopt when unavailable.
using neuron_lister = std::function<std::optional<std::string>(
    const std::optional<std::string>& capability, bool include_deregistered)>;

/// The extension point through which a host process (the node, `neuromesh up`) serves more
/// than the catalog on the same port without a second server:
///  * handle answers requests no catalog route matches (the catalog's own routes always
///    win); nullopt lets the catalog answer its 404. A response with a stream
///    (event_stream) turns the connection into a Server-Sent Events feed. It runs on the
///    server's I/O threads, concurrently: it must be thread-safe and must not block long.
///  * metrics returns Prometheus exposition text appended to GET /metrics.
/// Both are optional. Requests it answers are counted on the catalog's /metrics under
/// route="extension".
struct service_extension {
  std::function<std::optional<response>(const request&)> handle;
  std::function<std::string()> metrics;
};

class catalog_service {
 public:
  /// Loads every stored record; throws std::runtime_error when the store cannot be read.
  catalog_service(std::unique_ptr<instance_store> store, service_options options);
  ~catalog_service();
  catalog_service(const catalog_service&) = delete;
  catalog_service& operator=(const catalog_service&) = delete;

  /// The whole API: routes, auth, rate limits, validation, errors. Never throws.
  response handle(const request& req);

  /// 413 for a request whose body is over the server's --max-body (counted on its route).
  response reject_too_large(const request& head);

  /// 503 for a request whose durable write failed after handle() returned (counted).
  response write_failed(const request& head);

  /// Marks stale active instances inactive and drops records inactive for longer than the
  /// retention (called every --purge-interval). The mirror changes at once; done(result)
  /// runs once the store writes settled (result.store_ok), on the store's writer thread or
  /// at once when nothing was written. Never blocks.
  void sweep(std::function<void(sweep_result)> done);
  /// The same, waiting for the store writes (not from an event loop's thread).
  sweep_result sweep();

  /// Serves GET /neurons through this function (the registry layer's store); it runs on
  /// the service's reader thread, one call at a time, never on the caller's.
  void set_neuron_lister(neuron_lister lister);

  /// Installs the extension (see service_extension); call before serving.
  void set_extension(service_extension extension);

  /// Number of instances live now (for logs and /metrics).
  std::size_t live_instances() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace neuromesh::catalog
