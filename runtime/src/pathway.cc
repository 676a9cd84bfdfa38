#include "neuromesh/runtime/pathway.h"

#include "deadline_queue.h"
#include "neuromesh/protocol/type_sets.h"
#include "neuromesh/runtime/errors.h"
#include "neuromesh/synapse/synapse.h"
#include "pathway_access.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <exception>
#include <stdexcept>
#include <utility>

namespace neuromesh::runtime {

namespace asio = boost::asio;
using protocol::signal;
using protocol::signal_type;

runtime::scope parse_scope(std::string_view s) {
  if (s == "all") return scope::all;
  if (s == "terminal") return scope::terminal;
  throw usage_error("scope must be 'all' or 'terminal', got '" + std::string(s) + "'");
}

// A pending wait. Its timer only suspends the coroutine (a timer that never expires arms no
// kernel timer); the deadline, when the Pathway has a deadline queue, is kept there.
struct pathway::waiter final : detail::deadline_entry {
  explicit waiter(const asio::any_io_executor& ex) : timer(ex) {}
  ~waiter() {
    if (owner) owner->unlink(*this);
  }
  waiter(const waiter&) = delete;
  waiter& operator=(const waiter&) = delete;
  pathway* owner = nullptr;  // while linked
  waiter* prev = nullptr;
  waiter* next = nullptr;
  void expire() override {
    timed_out = true;
    timer.cancel();
  }
  std::optional<signal_type> type;  // nullopt: the wait() set
  bool iterate = false;
  bool peek = false;               // leave the Signal unconsumed (async_until_ready)
  std::optional<std::size_t> got;  // index into log_
  bool closed = false;
  bool timed_out = false;
  asio::steady_timer timer;
};

pathway::pathway(protocol::trace_id trace, runtime::scope scope, kind k)
    : trace_(std::move(trace)), scope_(scope), kind_(k) {}

pathway::~pathway() { close(); }

void pathway::link(waiter& w) noexcept {
  w.owner = this;
  w.prev = last_waiter_;
  w.next = nullptr;
  (last_waiter_ ? last_waiter_->next : first_waiter_) = &w;
  last_waiter_ = &w;
}

void pathway::unlink(waiter& w) noexcept {
  (w.prev ? w.prev->next : first_waiter_) = w.next;
  (w.next ? w.next->prev : last_waiter_) = w.prev;
  w.owner = nullptr;
  w.prev = w.next = nullptr;
}

bool pathway::matches(const waiter& w, signal_type t) const noexcept {
  if (w.iterate) return true;
  return w.type ? *w.type == t : protocol::is_wait_type(t);
}

void pathway::on(signal_type t, std::function<void(const signal&)> fn) {
  callbacks_.emplace_back(t, std::move(fn));
}

void pathway::on_close(std::function<void()> fn) {
  if (closed_) {
    fn();
    return;
  }
  on_close_.push_back(std::move(fn));
}

void pathway::deliver(const signal& s) {
  if (!closed_) deliver(std::make_shared<signal>(s));
}

void pathway::deliver(std::shared_ptr<const signal> shared) {
  if (closed_) return;
  const signal& s = *shared;
  for (std::size_t i = 0; i < callbacks_.size(); ++i) {  // a callback may add callbacks
    if (callbacks_[i].first != s.type) continue;
    try {
      auto fn = callbacks_[i].second;
      fn(s);
    } catch (const std::exception& ex) {
      spdlog::warn("pathway {}: callback for {} threw: {}", trace_.str(),
                   protocol::to_string(s.type), ex.what());
    }
    if (closed_) return;
  }
  if (scope_ == scope::terminal && !protocol::is_terminal_scope_type(s.type)) return;
  log_.push_back({std::move(shared), false});
  auto& e = log_.back();
  bool iter_taken = false;
  for (waiter* next = first_waiter_; next;) {
    auto& w = *next;
    next = w.next;  // cancelling the timer resumes nothing here: w stays valid
    if (!matches(w, s.type) || (w.iterate && iter_taken)) continue;
    w.got = log_.size() - 1;
    if (w.iterate) {
      iter_taken = true;
      next_ = log_.size();
    } else if (!w.peek) {
      e.consumed = true;
    }
    w.timer.cancel();
    unlink(w);
  }
  if (protocol::is_terminal_type(s.type)) close();
}

void pathway::close() {
  if (closed_) return;
  closed_ = true;
  while (auto* w = first_waiter_) {
    w->closed = true;
    w->timer.cancel();
    unlink(*w);
  }
  // Members are moved out first: forgetting may drop the dendrite's (last) reference.
  auto* forget = std::exchange(forget_, nullptr);
  auto owner = std::move(forget_owner_);
  auto fns = std::move(on_close_);
  on_close_.clear();
  if (forget)
    if (auto o = owner.lock()) forget(o, *this);
  for (auto& fn : fns) {
    try {
      fn();
    } catch (const std::exception& ex) {
      spdlog::warn("pathway {}: on_close threw: {}", trace_.str(), ex.what());
    }
  }
}

asio::awaitable<result<signal>> pathway::async_take(
    std::optional<signal_type> type, bool iterate,
    std::optional<std::chrono::milliseconds> timeout) {
  if (iterate) {
    if (next_ < log_.size()) co_return *log_[next_++].sig;
  } else {
    for (auto& e : log_) {
      if (e.consumed) continue;
      if (type ? e.sig->type == *type : protocol::is_wait_type(e.sig->type)) {
        e.consumed = true;
        co_return *e.sig;
      }
    }
  }
  if (closed_) co_return make_error_code(errc::pathway_closed);
  auto ex = co_await asio::this_coro::executor;
  waiter w(ex);  // in this frame: no allocation per wait
  w.type = type;
  w.iterate = iterate;
  // Keeps the queue alive until this wait left it (the Pathway may drop it meanwhile).
  auto deadlines = arm(w, timeout);
  link(w);
  auto waiting = w.timer.async_wait(asio::as_tuple(asio::deferred));
  auto [ec] = co_await std::move(waiting);
  if (auto failed = finish(w, deadlines, ec)) co_return failed;
  co_return *log_[*w.got].sig;
}

std::shared_ptr<detail::deadline_queue> pathway::arm(waiter& w,
                                                     std::optional<std::chrono::milliseconds> t) {
  w.timer.expires_at(asio::steady_timer::time_point::max());
  auto deadlines = t ? deadlines_ : nullptr;
  if (deadlines) {
    w.when = std::chrono::steady_clock::now() + *t;
    deadlines->add(w);
  } else if (t) {
    w.timer.expires_after(*t);
  }
  return deadlines;
}

boost::system::error_code pathway::finish(waiter& w,
                                          const std::shared_ptr<detail::deadline_queue>& deadlines,
                                          boost::system::error_code ec) {
  if (deadlines) deadlines->remove(w);
  if (w.got) return {};
  if (w.closed) return make_error_code(errc::pathway_closed);
  if (w.owner) unlink(w);
  // Own timer: it expired. Shared queue: the queue expired it.
  if (w.timed_out || !ec) return make_error_code(errc::timeout);
  return make_error_code(errc::cancelled);
}

// A frame without a Signal in it (dispatch_and_wait takes the reply with take_ready), so
// that neither this frame nor dispatch_and_wait's passes asio's recycling limit.
asio::awaitable<boost::system::error_code> pathway::async_until_ready(
    std::chrono::milliseconds timeout) {
  if (ready()) co_return boost::system::error_code{};
  if (closed_) co_return make_error_code(errc::pathway_closed);
  auto ex = co_await asio::this_coro::executor;
  waiter w(ex);
  w.peek = true;
  auto deadlines = arm(w, timeout);
  link(w);
  auto waiting = w.timer.async_wait(asio::as_tuple(asio::deferred));
  auto [ec] = co_await std::move(waiting);
  co_return finish(w, deadlines, ec);
}

bool pathway::ready() const noexcept {
  for (const auto& e : log_)
    if (!e.consumed && protocol::is_wait_type(e.sig->type)) return true;
  return false;
}

signal pathway::take_ready() {
  for (auto& e : log_) {
    if (e.consumed || !protocol::is_wait_type(e.sig->type)) continue;
    e.consumed = true;
    return synapse::take(std::move(e.sig));
  }
  throw std::logic_error("pathway::take_ready: nothing ready");
}

asio::awaitable<result<signal>> pathway::async_wait(
    std::optional<std::chrono::milliseconds> timeout) {
  return async_take(std::nullopt, false, timeout);
}

asio::awaitable<result<signal>> pathway::async_wait_for(
    signal_type t, std::optional<std::chrono::milliseconds> timeout) {
  return async_take(t, false, timeout);
}

asio::awaitable<result<signal>> pathway::async_next(
    std::optional<std::chrono::milliseconds> timeout) {
  return async_take(std::nullopt, true, timeout);
}

}  // namespace neuromesh::runtime
