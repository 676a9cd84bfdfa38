#include "notifier.h"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

namespace neuromesh::cortex::detail {

namespace asio = boost::asio;

// Unparks a coroutine's wake-up when the coroutine resumes or its frame is destroyed.
struct park_guard {
  notifier* n;
  std::list<notifier::parked>::iterator it;
  bool active = true;
  ~park_guard() {
    if (!active) return;
    std::lock_guard lk(n->mu_);
    n->parked_.erase(it);
    n->waiters_.fetch_sub(1, std::memory_order_seq_cst);
  }
};

namespace {

struct timer_cancel {
  std::weak_ptr<asio::steady_timer> timer;
  void operator()() const {
    if (auto t = timer.lock()) t->cancel();
  }
};

}  // namespace

void notifier::notify() {
  epoch_.fetch_add(1, std::memory_order_seq_cst);
  if (waiters_.load(std::memory_order_seq_cst) == 0) return;
  std::lock_guard lk(mu_);
  cv_.notify_all();
  for (auto& p : parked_) p.wake();
}

bool notifier::wait_until(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) {
  waiters_.fetch_add(1, std::memory_order_seq_cst);
  bool changed;
  {
    std::unique_lock lk(mu_);
    changed = cv_.wait_until(lk, deadline, [&] { return epoch() != seen; });
  }
  waiters_.fetch_sub(1, std::memory_order_seq_cst);
  return changed;
}

asio::awaitable<bool> notifier::async_wait(std::uint64_t seen) {
  auto ex = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
  park_guard guard{this, {}};
  {
    std::lock_guard lk(mu_);
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    if (epoch() != seen) {
      waiters_.fetch_sub(1, std::memory_order_seq_cst);
      guard.active = false;
      co_return true;
    }
    std::weak_ptr<asio::steady_timer> weak = timer;
    guard.it =
        parked_.insert(parked_.end(), parked{[ex, weak] { asio::post(ex, timer_cancel{weak}); }});
  }
  boost::system::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  auto cs = co_await asio::this_coro::cancellation_state;
  co_return cs.cancelled() == asio::cancellation_type::none;
}

}  // namespace neuromesh::cortex::detail
