#include "notifier.h"

#include <boost/asio/post.hpp>

#include <utility>

namespace neuromesh::bus::detail {
namespace {

void complete(notifier::handler h) { boost::asio::post(h.ex, std::move(h.fn)); }

}  // namespace

std::uint64_t notifier::epoch() const {
  std::lock_guard lk(mu_);
  return epoch_;
}

void notifier::notify() {
  std::vector<handler> ready;
  {
    std::lock_guard lk(mu_);
    ++epoch_;
    ready.swap(parked_);
  }
  cv_.notify_all();
  for (auto& h : ready) complete(std::move(h));
}

bool notifier::wait_until(std::uint64_t seen, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lk(mu_);
  return cv_.wait_until(lk, deadline, [&] { return epoch_ != seen; });
}

void notifier::park(std::uint64_t seen, handler h) {
  {
    std::lock_guard lk(mu_);
    if (epoch_ == seen) {
      parked_.push_back(std::move(h));
      return;
    }
  }
  complete(std::move(h));
}

}  // namespace neuromesh::bus::detail
