#include "neuromesh/bus/subscription.h"

#include "cursor.h"
#include "neuromesh/bus/errc.h"
#include "neuromesh/bus/error.h"
#include "neuromesh/bus/event_bus.h"
#include "notifier.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>

namespace neuromesh::bus {

using clock = std::chrono::steady_clock;

namespace detail {

struct subscription_state {
  std::shared_ptr<event_bus> bus;
  poll_request request;
  cursor_map cursor;
  std::deque<event> buffer;
  bool closed = false;

  std::optional<event> take() {
    if (buffer.empty()) return std::nullopt;
    event e = std::move(buffer.front());
    buffer.pop_front();
    return e;
  }
  // Reads the next page into buffer. Transient adapter failures leave it empty (the next
  // wake-up retries); other errors are returned.
  boost::system::result<void> fill() {
    auto page = bus->poll_from(request, cursor);
    if (!page) {
      if (is_transient(page.error())) return {};
      return page.error();
    }
    for (auto& e : page->events) buffer.push_back(std::move(e));
    return {};
  }
  bool finished() const { return closed || bus->is_shut_down(); }
  std::uint64_t epoch() const { return bus->delivered_->epoch(); }
  // How long to sleep before re-reading when nothing woke us.
  std::chrono::milliseconds idle_wait() const {
    return bus->get_adapter().local_only() ? std::chrono::milliseconds(1000)
                                           : bus->config().remote_poll_interval;
  }
  notifier& delivered() { return *bus->delivered_; }
};

}  // namespace detail

namespace {

// Parked on the notifier: cancels the timer a coroutine is sleeping on.
struct timer_waker {
  std::shared_ptr<boost::asio::steady_timer> timer;
  void operator()() const { timer->cancel(); }
};

}  // namespace

subscription event_bus::subscribe(subscribe_options options) {
  auto st = std::make_shared<detail::subscription_state>();
  st->bus = shared_from_this();
  st->request.limit = options.fetch ? options.fetch : 256;
  st->request.filter = std::move(options.filter);
  st->request.shards = std::move(options.shards);
  if (!options.cursor.empty()) {
    auto c = detail::decode_cursor(options.cursor, shards());
    if (!c) throw bus_error(c.error(), "subscribe_options.cursor");
    st->cursor = std::move(*c);
  } else if (options.start == subscribe_options::start_at::latest) {
    std::vector<std::uint16_t> which = st->request.shards;
    if (which.empty()) {
      for (std::uint16_t s = 0; s < shards(); ++s) which.push_back(s);
    }
    for (auto s : which) {
      auto last = adapter_->last_id(s);
      if (last && !last->empty()) st->cursor.last_id[s] = *last;
    }
  }
  return subscription(std::move(st));
}

subscription::subscription(std::shared_ptr<detail::subscription_state> state)
    : state_(std::move(state)) {}
subscription::subscription(subscription&&) noexcept = default;
subscription& subscription::operator=(subscription&&) noexcept = default;
subscription::~subscription() = default;

std::optional<event> subscription::try_next() {
  if (auto e = state_->take()) return e;
  (void)state_->fill();
  return state_->take();
}

boost::system::result<event> subscription::next(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  auto& st = *state_;
  for (;;) {
    if (auto e = st.take()) return std::move(*e);
    // Read the epoch before polling, so a delivery between the poll and the wait wakes us.
    auto epoch = st.epoch();
    if (auto r = st.fill(); !r) return r.error();
    if (!st.buffer.empty()) continue;
    if (st.finished()) return make_error_code(errc::closed);
    auto now = clock::now();
    if (now >= deadline) return make_error_code(errc::timeout);
    st.delivered().wait_until(epoch, std::min(deadline, now + st.idle_wait()));
  }
}

boost::asio::awaitable<boost::system::result<event>> subscription::async_next() {
  auto st = state_;
  auto ex = co_await boost::asio::this_coro::executor;
  for (;;) {
    if (auto e = st->take()) co_return std::move(*e);
    auto epoch = st->epoch();
    if (auto r = st->fill(); !r) co_return r.error();
    if (!st->buffer.empty()) continue;
    if (st->finished()) co_return make_error_code(errc::closed);
    auto timer = std::make_shared<boost::asio::steady_timer>(ex, st->idle_wait());
    st->delivered().park(epoch, {ex, timer_waker{timer}});
    boost::system::error_code ec;
    co_await timer->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

std::string subscription::cursor() const { return detail::encode_cursor(state_->cursor); }

void subscription::close() {
  state_->closed = true;
  state_->buffer.clear();
}

}  // namespace neuromesh::bus
