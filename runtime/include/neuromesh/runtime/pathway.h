#pragma once
// A Pathway: the local handle on one trace's reply Signals (reference/cosmonapse.md §4.10).
// Purely local — it never changes what crosses the wire.
//
//   auto pw = co_await d.async_dispatch({.neuron = "echo", .input = {{"q", "hi"}}});
//   auto first = co_await pw->async_wait(1s);          // AGENT_OUTPUT/CLARIFICATION/...
//   auto fin = co_await pw->async_wait_for(protocol::signal_type::final, 1s);
//   pw->on(protocol::signal_type::plan, [](const protocol::signal& s) { ... });
//   while (auto s = co_await pw->async_next()) { ... }  // every Signal, until close
//
// Consumption is broadcast: callbacks, waits and iteration each see every delivered Signal.
// A Signal no pending waiter took is buffered, and later waits are served from the buffer
// first, even after close (wait_for(AGENT_OUTPUT) then wait_for(FINAL) works on a finished
// trace). Waiting on a closed Pathway with nothing buffered gives errc::pathway_closed, and
// pending waiters get it when the Pathway closes. Delivering FINAL or ERROR closes it.
// Scope `terminal` drops everything but FINAL, ERROR, CLARIFICATION and PERMISSION, except
// that callbacks registered with on() still fire for dropped types.
//
// Lifetime: the dendrite holds an open Pathway until it closes (FINAL/ERROR, close(), a STOP
// for the trace, dendrite stop) and then forgets it; the buffer lives as long as the last
// shared_ptr to it.
//
// Thread-safety: not thread-safe; use it from its dendrite's executor.

#include "neuromesh/protocol/signal.h"
#include "neuromesh/runtime/errc.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace neuromesh::runtime {

class dendrite;
namespace detail {
class deadline_queue;
struct pathway_access;
}  // namespace detail

/// Which Signals a Pathway keeps (§4.10).
enum class scope { all, terminal };
/// "all" / "terminal"; throws usage_error for anything else.
runtime::scope parse_scope(std::string_view s);

class pathway {
 public:
  enum class kind { originator, observer, op };

  pathway(protocol::trace_id trace, runtime::scope scope = scope::all, kind k = kind::originator);
  ~pathway();
  pathway(const pathway&) = delete;
  pathway& operator=(const pathway&) = delete;

  const protocol::trace_id& trace() const noexcept { return trace_; }
  runtime::scope scope() const noexcept { return scope_; }
  kind role() const noexcept { return kind_; }
  bool closed() const noexcept { return closed_; }
  /// Signals delivered (after the scope filter) so far.
  std::size_t size() const noexcept { return log_.size(); }

  /// The first unconsumed AGENT_OUTPUT, CLARIFICATION, PERMISSION, ERROR or FINAL.
  /// errc::timeout after timeout (none = no limit), errc::pathway_closed, errc::cancelled.
  boost::asio::awaitable<result<protocol::signal>> async_wait(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  /// The first unconsumed Signal of type t.
  boost::asio::awaitable<result<protocol::signal>> async_wait_for(
      protocol::signal_type t, std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  /// Async iteration: the next Signal in delivery order; errc::pathway_closed at the end.
  boost::asio::awaitable<result<protocol::signal>> async_next(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  /// A callback for every delivered Signal of type t (fires even for types the scope drops).
  /// Exceptions are logged and swallowed.
  void on(protocol::signal_type t, std::function<void(const protocol::signal&)> fn);
  /// Called once when the Pathway closes (the dendrite uses it to forget the Pathway).
  void on_close(std::function<void()> fn);

  /// Feeds one Signal (the dendrite calls this for every Signal of the trace).
  void deliver(const protocol::signal& s);
  /// The same, keeping the delivered Signal itself (no copy).
  void deliver(std::shared_ptr<const protocol::signal> s);
  /// Idempotent: wakes pending waiters with errc::pathway_closed, runs on_close callbacks.
  void close();

 private:
  friend class dendrite;
  friend struct detail::pathway_access;
  struct waiter;
  struct entry {
    std::shared_ptr<const protocol::signal> sig;  // the delivered Signal, shared
    bool consumed = false;
  };
  boost::asio::awaitable<result<protocol::signal>> async_take(
      std::optional<protocol::signal_type> type, bool iterate,
      std::optional<std::chrono::milliseconds> timeout);
  /// True when async_wait would return without suspending.
  bool ready() const noexcept;
  /// When ready(): what async_wait_once would return, moved out without a coroutine frame.
  protocol::signal take_ready();
  /// Waits until ready() (the Signal stays in the log for take_ready): errc::timeout,
  /// errc::pathway_closed, errc::cancelled otherwise. For dispatch_and_wait's private Pathway.
  boost::asio::awaitable<boost::system::error_code> async_until_ready(
      std::chrono::milliseconds timeout);
  /// A wait's deadline (the shared queue's, returned, or its own timer's).
  std::shared_ptr<detail::deadline_queue> arm(waiter& w,
                                              std::optional<std::chrono::milliseconds> timeout);
  /// After a wait's timer completed with ec: {} when it got a Signal, the error otherwise.
  boost::system::error_code finish(waiter& w,
                                   const std::shared_ptr<detail::deadline_queue>& deadlines,
                                   boost::system::error_code ec);
  bool matches(const waiter& w, protocol::signal_type t) const noexcept;
  void link(waiter& w) noexcept;
  void unlink(waiter& w) noexcept;

  protocol::trace_id trace_;
  runtime::scope scope_;
  kind kind_;
  bool closed_ = false;
  std::vector<entry> log_;
  std::size_t next_ = 0;  // async_next cursor into log_
  // Pending waits in arrival order: an intrusive list of waiters that live in their wait's
  // coroutine frame (a waiter unlinks itself when destroyed; close() unlinks them all).
  waiter* first_waiter_ = nullptr;
  waiter* last_waiter_ = nullptr;
  std::vector<std::pair<protocol::signal_type, std::function<void(const protocol::signal&)>>>
      callbacks_;
  std::vector<std::function<void()>> on_close_;
  // The dendrite's hook (runs before on_close_): forget_(owner, *this) while the owner
  // lives. A function pointer and a weak owner rather than a std::function: a capture of a
  // weak_ptr does not fit std::function's inline buffer (an allocation per Pathway).
  void (*forget_)(const std::shared_ptr<void>& owner, const pathway& pw) = nullptr;
  std::weak_ptr<void> forget_owner_;
  // The dendrite's shared deadline queue (one timer for all its timed waits); without one
  // (a Pathway made by hand) each timed wait arms its own timer.
  std::shared_ptr<detail::deadline_queue> deadlines_;
};

}  // namespace neuromesh::runtime
