#include "retained_log.h"

#include <string>

namespace neuromesh::bus::detail {

void retained_log::append(std::span<const internal_event> events) {
  std::lock_guard lk(mu_);
  for (const auto& e : events) {
    entries_.push_back(e);
    bytes_ += e.payload.size() + entry_overhead();
  }
  expire_locked();
}

void retained_log::append_moved(std::span<internal_event> events) {
  std::lock_guard lk(mu_);
  for (auto& e : events) {
    bytes_ += e.payload.size() + entry_overhead();
    entries_.push_back(std::move(e));
  }
  expire_locked();
}

void retained_log::expire_locked() {
  while (!entries_.empty() &&
         (entries_.size() > bounds_.max_events || bytes_ > bounds_.max_bytes)) {
    bytes_ -= entries_.front().payload.size() + entry_overhead();
    entries_.pop_front();
    ++first_sequence_;
    ++expired_;
  }
}

shard_page retained_log::read_after(std::uint16_t shard, std::uint64_t after,
                                    std::size_t limit) const {
  shard_page page;
  std::lock_guard lk(mu_);
  std::uint64_t start = after + 1 < first_sequence_ ? first_sequence_ : after + 1;
  std::uint64_t end = first_sequence_ + entries_.size();
  if (start >= end) return page;
  std::uint64_t n = end - start;
  if (n > limit) {
    n = limit;
    page.has_more = true;
  }
  page.events.reserve(n);
  auto it = entries_.begin() + static_cast<std::ptrdiff_t>(start - first_sequence_);
  for (std::uint64_t i = 0; i < n; ++i, ++it) {
    page.events.push_back(event{shard, std::to_string(start + i), it->insertion_ts, it->payload,
                                std::string(it->payload.dedup_id())});
  }
  return page;
}

std::uint64_t retained_log::last_sequence() const {
  std::lock_guard lk(mu_);
  return first_sequence_ + entries_.size() - 1;
}

std::uint64_t retained_log::size() const {
  std::lock_guard lk(mu_);
  return entries_.size();
}

std::uint64_t retained_log::bytes() const {
  std::lock_guard lk(mu_);
  return bytes_;
}

std::uint64_t retained_log::expired() const {
  std::lock_guard lk(mu_);
  return expired_;
}

}  // namespace neuromesh::bus::detail
