#include "neuromesh/runtime/pathway.h"

#include "deadline_queue.h"
#include "neuromesh/protocol/type_sets.h"
#include "neuromesh/runtime/errors.h"
#include "neuromesh/synapse/synapse.h"
#include "pathway_access.h"

#include <boost/asio/as_tuple.hpp>
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
  void expire() override {
    timed_out = true;
    timer.cancel();
  }
  std::optional<signal_type> type;  // nullopt: the wait() set
  bool iterate = false;
  std::optional<std::size_t> got;  // index into log_
  bool closed = false;
  bool timed_out = false;
  asio::steady_timer timer;
};

pathway::pathway(protocol::trace_id trace, runtime::scope scope, kind k)
    : trace_(std::move(trace)), scope_(scope), kind_(k) {}

pathway::~pathway() { close(); }

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
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    auto& w = **it;
    if (!matches(w, s.type) || (w.iterate && iter_taken)) {
      ++it;
      continue;
    }
    w.got = log_.size() - 1;
    if (w.iterate) {
      iter_taken = true;
      next_ = log_.size();
    } else {
      e.consumed = true;
    }
    w.timer.cancel();
    it = waiters_.erase(it);
  }
  if (protocol::is_terminal_type(s.type)) close();
}

void pathway::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& w : waiters_) {
    w->closed = true;
    w->timer.cancel();
  }
  waiters_.clear();
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
    std::optional<signal_type> type, bool iterate, std::optional<std::chrono::milliseconds> timeout,
    bool steal) {
  if (iterate) {
    if (next_ < log_.size()) co_return *log_[next_++].sig;
  } else {
    for (auto& e : log_) {
      if (e.consumed) continue;
      if (type ? e.sig->type == *type : protocol::is_wait_type(e.sig->type)) {
        e.consumed = true;
        if (steal) co_return synapse::take(std::move(e.sig));
        co_return *e.sig;
      }
    }
  }
  if (closed_) co_return make_error_code(errc::pathway_closed);
  auto w = std::make_shared<waiter>(co_await asio::this_coro::executor);
  w->type = type;
  w->iterate = iterate;
  w->timer.expires_at(asio::steady_timer::time_point::max());
  // Keeps the queue alive until this wait left it (the Pathway may drop it meanwhile).
  auto deadlines = timeout ? deadlines_ : nullptr;
  if (deadlines) {
    w->when = std::chrono::steady_clock::now() + *timeout;
    deadlines->add(*w);
  } else if (timeout) {
    w->timer.expires_after(*timeout);
  }
  waiters_.push_back(w);
  auto [ec] = co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (deadlines) deadlines->remove(*w);
  if (w->got) {
    if (steal && !iterate) co_return synapse::take(std::move(log_[*w->got].sig));
    co_return *log_[*w->got].sig;
  }
  if (w->closed) co_return make_error_code(errc::pathway_closed);
  waiters_.remove(w);
  // Own timer: it expired. Shared queue: the queue expired it.
  if (w->timed_out || !ec) co_return make_error_code(errc::timeout);
  co_return make_error_code(errc::cancelled);
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
  return async_take(std::nullopt, false, timeout, false);
}

asio::awaitable<result<signal>> pathway::async_wait_once(std::chrono::milliseconds timeout) {
  return async_take(std::nullopt, false, timeout, true);
}

asio::awaitable<result<signal>> pathway::async_wait_for(
    signal_type t, std::optional<std::chrono::milliseconds> timeout) {
  return async_take(t, false, timeout, false);
}

asio::awaitable<result<signal>> pathway::async_next(
    std::optional<std::chrono::milliseconds> timeout) {
  return async_take(std::nullopt, true, timeout, false);
}

}  // namespace neuromesh::runtime
