#pragma once
// The SDK surface (seed 003 "Quick Start"): a builder, JSON/str/raw emits, poll, subscribe and
// typed subscribe over an event_bus.
//
//   auto node = net::builder().shards(4).backpressure(backpressure::drop_oldest).memory().build();
//   node.emit(boost::json::value{{"token", "hello"}, {"index", 0}});
//   node.emit_raw(R"({"token":"world"})");
//   node.emit_with_id("order-42/created", R"({"order":42})");   // replay-safe id, verbatim
//   node.flush();
//   auto page = node.poll({.limit = 100});
//
// Thread-safety: as event_bus; a net is a cheap handle (copies share the bus).

#include "neuromesh/bus/adapter.h"
#include "neuromesh/bus/config.h"
#include "neuromesh/bus/error.h"
#include "neuromesh/bus/event_bus.h"
#include "neuromesh/bus/jetstream_adapter.h"
#include "neuromesh/bus/redis_adapter.h"
#include "neuromesh/bus/typed_subscription.h"

#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace neuromesh::bus {

class net;

class net_builder {
 public:
  net_builder& shards(std::uint16_t n);
  net_builder& backpressure(backpressure_mode mode);
  /// Per-shard ring capacity: a power of two, at least 1024.
  net_builder& ring_capacity(std::size_t events);
  net_builder& batching(batch_config batching);
  net_builder& retention(retention_config retention);
  net_builder& adapter_timeout(std::chrono::milliseconds timeout);
  net_builder& adapter_retries(std::uint32_t retries);
  net_builder& retry_backoff(std::chrono::milliseconds backoff);
  net_builder& shutdown_budget(std::chrono::milliseconds budget);
  net_builder& producer_nonce_path(std::string path);
  net_builder& remote_poll_interval(std::chrono::milliseconds interval);

  /// The in-process adapter with a retained log (the default).
  net_builder& memory();
  net_builder& redis(redis_adapter_config config);
  net_builder& jetstream(jetstream_adapter_config config);
  net_builder& custom(std::function<std::unique_ptr<adapter>(const bus_config&)> make);

  /// Throws config_error naming the first invalid setting.
  net build();

  bus_config& config() noexcept { return config_; }

 private:
  bus_config config_;
  std::function<std::unique_ptr<adapter>(const bus_config&)> make_adapter_;
};

class net {
 public:
  static net_builder builder() { return {}; }
  explicit net(std::shared_ptr<event_bus> bus) : bus_(std::move(bus)) {}

  /// Serialises v compactly, then as emit_raw.
  boost::system::result<receipt> emit(const boost::json::value& v);
  boost::system::result<receipt> emit(const boost::json::value& v, partition_key key);
  boost::system::result<receipt> emit_raw(const raw_event& ev) { return bus_->emit_raw(ev); }
  boost::system::result<receipt> emit_raw(const raw_event& ev, partition_key key) {
    return bus_->emit_raw(ev, key);
  }
  /// Copies and hashes bytes.
  boost::system::result<receipt> emit_raw(std::string_view bytes);
  /// JSON text, taken as it is (not parsed; use emit() to have it validated).
  boost::system::result<receipt> emit_str(std::string_view json) { return emit_raw(json); }
  boost::system::result<receipt> emit_str(std::string_view json, partition_key key);
  /// Emits bytes (JSON text, as emit_str) with its own dedup id (an idempotency key), which
  /// the adapter stores
  /// verbatim instead of a generated one: a producer that re-emits the same events with the
  /// same ids after a crash has the copies dropped by JetStream (within duplicate_window) or
  /// by redis_stream_dedup. Throws std::invalid_argument for an id raw_event::copy_with_id
  /// refuses.
  boost::system::result<receipt> emit_with_id(std::string_view dedup_id, std::string_view bytes) {
    return bus_->emit_raw(raw_event::copy_with_id(bytes, dedup_id));
  }
  boost::system::result<receipt> emit_with_id(std::string_view dedup_id, std::string_view bytes,
                                              partition_key key) {
    return bus_->emit_raw(raw_event::copy_with_id(bytes, dedup_id), key);
  }
  /// Returns how many were accepted.
  std::size_t emit_batch(std::span<const boost::json::value> values);
  std::size_t emit_raw_batch(std::span<const raw_event> events) {
    return bus_->emit_raw_batch(events);
  }

  boost::system::result<void> flush(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return bus_->flush(timeout);
  }
  boost::system::result<poll_response> poll(const poll_request& request) {
    return bus_->poll(request);
  }
  subscription subscribe(subscribe_options options = {}) {
    return bus_->subscribe(std::move(options));
  }
  template <class T>
  typed_subscription<T> subscribe_typed(subscribe_options options = {}) {
    return typed_subscription<T>(bus_->subscribe(std::move(options)));
  }

  bus_stats stats() const { return bus_->stats(); }
  std::uint16_t shards() const noexcept { return bus_->shards(); }
  bus_health health() const { return bus_->health(); }
  boost::system::result<void> shutdown() { return bus_->shutdown(); }
  event_bus& bus() noexcept { return *bus_; }

 private:
  std::shared_ptr<event_bus> bus_;
};

}  // namespace neuromesh::bus
