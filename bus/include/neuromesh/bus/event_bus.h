#pragma once
// The engine (reference/net-mesh.md §2.1, with its gaps fixed): N shards, each a bounded
// ring behind a short spin lock, a per-shard monotonic clock, and one worker thread per shard
// that drains the ring into adaptively sized batches and hands them to the adapter with a
// deadline and retries.
//
// Lifecycle: start() validates the config (config_error), loads the producer nonce (and,
// with producer_nonce_path, the leased sequence blocks), initialises the adapter and starts
// the workers. shutdown() first closes every shard (later
// emits get errc::shutting_down), then lets each worker drain its ring completely, then flushes
// and shuts the adapter. Every accepted event ends up dispatched or counted in
// dispatch_failed; none is stranded. The destructor calls shutdown().
//
// Thread-safety: every member function may be called from any thread.
// Lock order: shard spin lock → nothing; shard wake mutex → nothing; retained-log mutex →
// nothing; the flush mutex and the delivery notifier's mutex are taken alone.

#include "neuromesh/bus/adapter.h"
#include "neuromesh/bus/config.h"
#include "neuromesh/bus/event.h"
#include "neuromesh/bus/poll.h"
#include "neuromesh/bus/stats.h"
#include "neuromesh/bus/subscription.h"

#include <boost/system/result.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace neuromesh::bus {

namespace detail {
class shard;
class shard_worker;
class notifier;
class sequence_leases;
struct cursor_map;
}  // namespace detail

class event_bus : public std::enable_shared_from_this<event_bus> {
 public:
  static std::shared_ptr<event_bus> start(bus_config config, std::unique_ptr<adapter> a);
  ~event_bus();
  event_bus(const event_bus&) = delete;
  event_bus& operator=(const event_bus&) = delete;

  /// Routes by the payload's pre-computed hash. Errors: backpressure, sampled, shutting_down.
  boost::system::result<receipt> emit_raw(const raw_event& ev);
  /// Routes by key: every event with this key lands on one shard, in emit order.
  boost::system::result<receipt> emit_raw(const raw_event& ev, partition_key key);
  /// Routes to an explicit shard; errc::unrouted when it does not exist.
  boost::system::result<receipt> emit_raw_to(std::uint16_t shard, const raw_event& ev);
  /// Takes each shard's lock once per group. Returns how many were accepted; the refused
  /// ones are counted in stats() like single emits.
  std::size_t emit_raw_batch(std::span<const raw_event> events);

  /// Delivery barrier: returns once every event accepted before the call has been
  /// dispatched or dropped (and counted), then flushes the adapter. errc::timeout otherwise.
  boost::system::result<void> flush(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  boost::system::result<poll_response> poll(const poll_request& request);
  /// A live stream of delivered events (see subscription.h). Subscribe before emitting
  /// when start is latest.
  subscription subscribe(subscribe_options options = {});

  bus_stats stats() const;
  bus_health health() const;
  std::uint16_t shards() const noexcept { return static_cast<std::uint16_t>(shards_.size()); }
  std::uint64_t producer_nonce() const noexcept { return nonce_; }
  const bus_config& config() const noexcept { return config_; }
  adapter& get_adapter() noexcept { return *adapter_; }

  /// Idempotent; see the class comment.
  boost::system::result<void> shutdown();
  bool is_shut_down() const noexcept { return stopped_.load(std::memory_order_acquire); }

 private:
  friend class detail::shard_worker;
  friend class subscription;
  friend struct detail::subscription_state;
  event_bus(bus_config config, std::unique_ptr<adapter> a);
  boost::system::result<receipt> push(std::uint16_t shard, const raw_event& ev);
  boost::system::result<poll_response> poll_from(const poll_request& request,
                                                 detail::cursor_map& cursor);
  void notify_settled();

  bus_config config_;
  std::unique_ptr<adapter> adapter_;
  std::uint64_t nonce_ = 0;
  /// Set with producer_nonce_path: the on-disk per-shard sequence blocks.
  std::unique_ptr<detail::sequence_leases> leases_;
  std::vector<std::unique_ptr<detail::shard>> shards_;
  std::vector<std::unique_ptr<detail::shard_worker>> workers_;
  std::unique_ptr<detail::notifier> delivered_;
  std::atomic<std::uint64_t> unrouted_{0};
  std::atomic<std::uint64_t> flush_epoch_{0};
  std::atomic<bool> closing_{false};
  std::atomic<bool> stopped_{false};
  std::chrono::steady_clock::time_point shutdown_deadline_{};
  std::mutex shutdown_mu_;
  std::mutex flush_mu_;
  std::condition_variable flush_cv_;
};

}  // namespace neuromesh::bus
