#include "neuromesh/node/signal_feed.h"

#include <algorithm>

namespace neuromesh::node {

signal_feed::signal_feed(std::size_t capacity, std::size_t max_queued_bytes)
    : capacity_(std::max<std::size_t>(capacity, 1)), max_queued_(max_queued_bytes) {}

void signal_feed::prune_locked() {
  std::erase_if(pages_, [this](const std::shared_ptr<catalog::event_stream>& p) {
    if (!p->closed()) return false;
    if (p->overflowed()) ++stats_.cut_off;
    return true;
  });
  stats_.subscribers = pages_.size();
}

void signal_feed::publish(std::string_view signal_json) {
  std::string event;
  event.reserve(signal_json.size() + 8);
  event += "data: ";
  event += signal_json;
  event += "\n\n";
  std::lock_guard lock(mu_);
  ++stats_.published;
  if (ring_.size() >= capacity_) ring_.pop_front();
  ring_.emplace_back(signal_json);
  bool dropped = false;
  for (const auto& p : pages_) dropped |= !p->push(event);
  if (dropped) prune_locked();
}

std::shared_ptr<catalog::event_stream> signal_feed::subscribe(std::string_view hello_json,
                                                              std::size_t backlog) {
  auto page = std::make_shared<catalog::event_stream>(max_queued_);
  std::string first = "retry: 2000\nevent: hello\ndata: ";
  first += hello_json;
  first += "\n\n";
  std::lock_guard lock(mu_);
  auto start = ring_.size() > backlog ? ring_.size() - backlog : 0;
  for (auto i = start; i < ring_.size(); ++i) {
    first += "data: ";
    first += ring_[i];
    first += "\n\n";
  }
  page->push(first);
  pages_.push_back(page);
  ++stats_.opened;
  stats_.subscribers = pages_.size();
  return page;
}

void signal_feed::ping() {
  std::lock_guard lock(mu_);
  for (const auto& p : pages_) p->push(": ping\n\n");
  prune_locked();
}

void signal_feed::close_all() {
  std::lock_guard lock(mu_);
  for (const auto& p : pages_) p->close();
  pages_.clear();
  stats_.subscribers = 0;
}

feed_stats signal_feed::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::vector<std::string> signal_feed::recent(std::size_t n) const {
  std::lock_guard lock(mu_);
  auto start = ring_.size() > n ? ring_.size() - n : 0;
  return {ring_.begin() + static_cast<std::ptrdiff_t>(start), ring_.end()};
}

}  // namespace neuromesh::node
