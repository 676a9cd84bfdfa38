#pragma once
// The Synapse interface (reference/cosmonapse.md §3.1): the bus every Signal crosses.
// Backends: memory_synapse (in-process), cosmo_synapse (the cosmo:// dev broker client),
// nats_synapse (libnats). synapse_from_url() picks one from a URL.
//
// Asynchronous on Boost.Asio C++20 coroutines: every operation is an awaitable and expected
// failures (not connected, timeout) come back as values, never as exceptions.
//
// Delivery contract, the same on every backend:
//  * a handler runs on the executor of the coroutine that called async_subscribe (delivered
//    with asio::dispatch, so a publisher and subscriber on one executor pay no thread hop);
//  * it receives a const reference, or a shared pointer to const (a handler that keeps the
//    Signal holds it without a copy): no receiver can change what another one sees;
//  * an exception thrown by a handler is logged and counted (stats().handler_errors) and
//    never reaches the transport; the subscription keeps running;
//  * a frame that does not decode is logged, counted (stats().decode_errors) and skipped;
//  * subscribers without a queue group ("Dopplers") each get every matching Signal; within
//    a queue group each Signal goes to exactly one member;
//  * a publisher receives its own Signals when it has a matching subscription.

#include "neuromesh/protocol/signal.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace neuromesh::synapse {

/// A delivered Signal, shared by every subscriber it went to. Backends allocate it as a
/// non-const object, so take() may move from it once one holder is left.
using shared_signal = std::shared_ptr<const protocol::signal>;

/// The Signal out of s: moved when s holds the last reference, copied otherwise.
protocol::signal take(shared_signal&& s);

/// Called once per delivered Signal. Must not block: start asynchronous work with co_spawn.
/// Either form: `void(const signal&)`, or `void(const shared_signal&)` for a handler that
/// keeps the Signal beyond the call (it copies the pointer, not the Signal).
class handler {
 public:
  handler() = default;
  template <class F>
  requires std::invocable<F&, const protocol::signal&> handler(
      F f)  // NOLINT(google-explicit-constructor): a callable is a handler
      : by_ref_(std::move(f)) {}
  template <class F>
  requires(!std::invocable<F&, const protocol::signal&> && std::invocable<F&, const shared_signal&>)
      handler(F f)  // NOLINT(google-explicit-constructor)
      : shared_(std::move(f)) {}

  explicit operator bool() const noexcept { return by_ref_ || shared_; }
  void operator()(const shared_signal& s) const {
    if (shared_)
      shared_(s);
    else
      by_ref_(*s);
  }

 private:
  std::function<void(const protocol::signal&)> by_ref_;
  std::function<void(const shared_signal&)> shared_;
};

/// Counters every backend keeps (monotonic since construction).
struct synapse_stats {
  std::uint64_t published = 0;       ///< Signals accepted by async_publish
  std::uint64_t delivered = 0;       ///< handler invocations that returned normally
  std::uint64_t handler_errors = 0;  ///< handler invocations that threw
  std::uint64_t decode_errors = 0;   ///< inbound frames that were not a valid Signal
  std::uint64_t dropped = 0;         ///< inbound messages with no live subscription
  std::uint64_t reconnects = 0;      ///< successful reconnections after a lost connection
};

namespace detail {
/// What a subscription handle points at; each backend derives its own.
class subscription_state {
 public:
  virtual ~subscription_state() = default;
  /// Idempotent. After it returns no new handler call starts.
  virtual void unsubscribe() noexcept = 0;
  virtual bool active() const noexcept = 0;
  virtual const std::string& subject() const noexcept = 0;
};
}  // namespace detail

/// A live subscription. A cheap copyable handle; the subscription stays active until
/// unsubscribe() (dropping the handle does not unsubscribe) or until its synapse closes.
class subscription {
 public:
  subscription() = default;
  explicit subscription(std::shared_ptr<detail::subscription_state> state)
      : state_(std::move(state)) {}

  /// Stops delivery. Idempotent; safe to call from inside the handler.
  void unsubscribe() noexcept {
    if (state_) state_->unsubscribe();
  }
  bool active() const noexcept { return state_ && state_->active(); }
  /// The subject pattern given to async_subscribe ("" for an empty handle).
  const std::string& subject() const noexcept;

 private:
  std::shared_ptr<detail::subscription_state> state_;
};

/// The transport interface. Implementations are safe to call from any thread.
class synapse {
 public:
  virtual ~synapse() = default;
  synapse() = default;
  synapse(const synapse&) = delete;
  synapse& operator=(const synapse&) = delete;

  /// Establishes the connection. Idempotent. An error when the first attempt fails.
  virtual boost::asio::awaitable<boost::system::error_code> async_connect() = 0;
  /// Drains what can be drained, drops every subscription and disconnects. Idempotent;
  /// afterwards every operation returns errc::closed.
  virtual boost::asio::awaitable<void> async_close() = 0;

  /// Sends one Signal on subject. errc::not_connected while disconnected (cosmo:// is
  /// reconnecting), errc::closed after close.
  virtual boost::asio::awaitable<boost::system::error_code> async_publish(std::string subject,
                                                                          protocol::signal s) = 0;

  /// Subscribes to a subject pattern (`*` one token, `>` the rest). With a queue group each
  /// matching Signal goes to one member of the group only.
  virtual boost::asio::awaitable<boost::system::result<subscription>> async_subscribe(
      std::string subject, handler h, std::optional<std::string> queue_group = std::nullopt) = 0;

  /// Publishes s with meta._reply_to set to a private inbox and waits for the first Signal
  /// published there (errc::timeout after timeout). A responder answers with
  /// async_publish(*reply_subject(request), reply).
  virtual boost::asio::awaitable<boost::system::result<protocol::signal>> async_request(
      std::string subject, protocol::signal s,
      std::chrono::milliseconds timeout = std::chrono::seconds(5));

  virtual synapse_stats stats() const noexcept = 0;
  /// A printable address ("memory://", "cosmo://127.0.0.1:7070", "nats://...").
  virtual std::string url() const = 0;

 protected:
  /// A fresh private reply subject for a request.
  virtual std::string new_inbox(const protocol::signal& request) = 0;
  /// Publishes a request; NATS overrides this to also set the native reply subject.
  virtual boost::asio::awaitable<boost::system::error_code> async_publish_request(
      std::string subject, std::string reply_subject, protocol::signal s);
};

/// meta._reply_to of a Signal, when it is a non-empty string.
std::optional<std::string> reply_subject(const protocol::signal& s);
/// A copy of s whose meta has _reply_to set to reply (other meta keys keep their order).
protocol::signal with_reply_subject(protocol::signal s, const std::string& reply);

}  // namespace neuromesh::synapse
