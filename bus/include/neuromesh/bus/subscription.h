#pragma once
// A live stream of delivered events. It reads through the same path as poll() and sleeps on
// the bus's delivery notifier between reads: a dispatch wakes it at once (no polling
// backoff). For adapters other processes also write (Redis, JetStream), it additionally
// re-reads every remote_poll_interval to see their events.
//
// Thread-safety: one subscription is used by one thread or coroutine at a time. next()
// blocks the caller; async_next() suspends a coroutine on the caller's executor. Destroy or
// close() the subscription before the bus's last owner goes away.

#include "neuromesh/bus/event.h"
#include "neuromesh/bus/filter.h"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace neuromesh::bus {

namespace detail {
struct subscription_state;
}

struct subscribe_options {
  enum class start_at {
    /// Only events delivered after subscribe() (the reference's "hot" subscription).
    latest,
    /// Everything still retained.
    earliest,
  };
  start_at start = start_at::latest;
  /// Resume from a poll cursor (overrides start when not empty); subscribe() throws
  /// bus_error(errc::invalid_cursor) for one this bus did not produce.
  std::string cursor;
  std::optional<bus::filter> filter;
  std::vector<std::uint16_t> shards;
  /// Events fetched per read.
  std::size_t fetch = 256;
};

class subscription {
 public:
  subscription(subscription&&) noexcept;
  subscription& operator=(subscription&&) noexcept;
  ~subscription();

  /// The next event if one is available now.
  std::optional<event> try_next();
  /// Waits up to timeout. errc::timeout, or errc::closed once the bus has shut down and
  /// everything was read.
  boost::system::result<event> next(std::chrono::milliseconds timeout);
  /// Suspends until an event arrives; errc::closed as above.
  boost::asio::awaitable<boost::system::result<event>> async_next();
  /// Where a later subscription or poll may resume.
  std::string cursor() const;
  /// Ends the stream; pending waits complete with errc::closed.
  void close();

 private:
  friend class event_bus;
  explicit subscription(std::shared_ptr<detail::subscription_state> state);
  std::shared_ptr<detail::subscription_state> state_;
};

}  // namespace neuromesh::bus
