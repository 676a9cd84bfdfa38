#pragma once
// Synapse over NATS with libnats (reference/cosmonapse.md §3.5): subjects verbatim, the
// encoded Signal as the message body (no headers), queue groups as NATS queue
// subscriptions, request() with a NATS inbox as the native reply subject (and in
// meta._reply_to, so responders on any transport answer the same way), drain on close.
//
// The connection is created with SendAsap: every publish goes out at once instead of
// waiting for libnats' 1 ms flusher (a 180 µs round trip would otherwise become ~1 ms).
// libnats reconnects by itself (forever, every reconnect_wait) and re-sends the
// subscriptions; while it reconnects publishes are buffered by libnats.
//
// Request/reply as nats.go's respMux: one libnats subscription on `_INBOX.<nuid>.*`, made
// at the first request, serves every request; each request's inbox is `_INBOX.<nuid>.<n>`
// and a reply is routed to its waiter by that subject (a late reply is counted in
// stats().dropped). No subscription (and no libnats delivery thread) per request.
//
// Threading: libnats delivers on its own threads; each Signal is decoded there and the
// handler is posted to the executor of the coroutine that subscribed. async_connect does
// not block the caller's thread: libnats' blocking connect (bounded by connect_timeout)
// runs on a short-lived thread of its own and completes on the caller's executor, so
// connects of several instances run side by side. A second async_connect on one instance
// while its connect is in progress joins that attempt and returns its outcome.

#include "neuromesh/synapse/synapse.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace neuromesh::synapse {

struct nats_options {
  std::string url = "nats://127.0.0.1:4222";
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds reconnect_wait{100};
  std::chrono::milliseconds drain_timeout{2000};
};

class nats_synapse final : public synapse {
 public:
  explicit nats_synapse(nats_options options);
  ~nats_synapse() override;

  boost::asio::awaitable<boost::system::error_code> async_connect() override;
  boost::asio::awaitable<void> async_close() override;
  boost::asio::awaitable<boost::system::error_code> async_publish(std::string subject,
                                                                  protocol::signal s) override;
  boost::asio::awaitable<boost::system::result<subscription>> async_subscribe(
      std::string subject, handler h, std::optional<std::string> queue_group) override;
  synapse_stats stats() const noexcept override;
  std::string url() const override;

  /// libnats subscriptions open now (the shared reply subscription counts as one).
  std::size_t subscription_count() const;
  /// Requests waiting for a reply now.
  std::size_t pending_requests() const;

  struct impl;  ///< opaque

 protected:
  std::string new_inbox(const protocol::signal& request) override;
  boost::asio::awaitable<boost::system::error_code> async_publish_request(
      std::string subject, std::string reply_subject, protocol::signal s) override;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace neuromesh::synapse
