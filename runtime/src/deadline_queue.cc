#include "deadline_queue.h"

#include <boost/asio/error.hpp>

namespace neuromesh::runtime::detail {

using clock = std::chrono::steady_clock;

// Holds the queue weakly: a queue destroyed with its timer pending is simply gone.
struct deadline_queue::on_timer {
  std::weak_ptr<deadline_queue> weak;
  void operator()(const boost::system::error_code& ec) const {
    if (ec == boost::asio::error::operation_aborted) return;  // re-armed or cancelled
    if (auto q = weak.lock()) q->fire();
  }
};

deadline_queue::~deadline_queue() { entries_.clear(); }

void deadline_queue::add(deadline_entry& e) {
  entries_.insert(e);
  if (e.when < armed_) arm(e.when);
}

void deadline_queue::remove(deadline_entry& e) {
  if (!e.is_linked()) return;
  entries_.erase(entries_.iterator_to(e));
  if (entries_.empty() && !keep_armed_) idle();
}

void deadline_queue::keep_armed(bool on) {
  keep_armed_ = on;
  if (!on && entries_.empty()) idle();
}

void deadline_queue::arm(clock::time_point t) {
  armed_ = t;
  timer_.expires_at(t);  // cancels the wait in progress (its handler sees operation_aborted)
  timer_.async_wait(on_timer{weak_from_this()});
}

void deadline_queue::idle() {
  if (armed_ == clock::time_point::max()) return;
  armed_ = clock::time_point::max();
  timer_.cancel();
}

void deadline_queue::fire() {
  armed_ = clock::time_point::max();
  const auto now = clock::now();
  // expire() only cancels the waiter's timer (its completion is posted), so nothing runs
  // inside this loop that could touch the set.
  while (!entries_.empty() && entries_.begin()->when <= now) {
    auto& e = *entries_.begin();
    entries_.erase(entries_.begin());
    e.expire();
  }
  if (!entries_.empty()) {
    if (entries_.begin()->when < armed_) arm(entries_.begin()->when);
  } else if (!keep_armed_) {
    idle();
  }
}

}  // namespace neuromesh::runtime::detail
