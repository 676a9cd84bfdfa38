#pragma once
// In-process Synapse (reference/cosmonapse.md §3.3) with the reference's routing: NATS
// wildcards, Dopplers get everything, one member per queue group chosen round robin with a
// counter per group name shared across subjects, the publisher sees its own Signals.
//
// Unlike the reference, receivers share one immutable copy of the Signal (handlers get a
// const reference), so no receiver can change what another one sees.
//
// A handler subscribed from the publisher's executor runs inside async_publish (as in the
// reference, publish returns after such handlers ran); handlers on other executors are
// queued there. Thread-safety: any thread; one mutex guards the subscription table and is
// never held while a handler runs.

#include "neuromesh/synapse/synapse.h"

#include <memory>

namespace neuromesh::synapse {

class memory_synapse final : public synapse {
 public:
  memory_synapse();
  ~memory_synapse() override;

  boost::asio::awaitable<boost::system::error_code> async_connect() override;
  boost::asio::awaitable<void> async_close() override;
  boost::asio::awaitable<boost::system::error_code> async_publish(std::string subject,
                                                                  protocol::signal s) override;
  boost::asio::awaitable<boost::system::result<subscription>> async_subscribe(
      std::string subject, handler h, std::optional<std::string> queue_group) override;
  synapse_stats stats() const noexcept override;
  std::string url() const override { return "memory://"; }

  /// The publish path without a coroutine frame: for callers that are not coroutines and
  /// for benchmarks. Same semantics as async_publish.
  boost::system::error_code publish(const std::string& subject, protocol::signal s);

  struct impl;  ///< opaque

 protected:
  std::string new_inbox(const protocol::signal& request) override;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace neuromesh::synapse
