#include "neuromesh/bus/memory_adapter.h"

#include "neuromesh/bus/errc.h"
#include "retained_log.h"

#include <charconv>
#include <string>

namespace neuromesh::bus {

memory_adapter::memory_adapter(retention_config retention) : retention_(retention) {}
memory_adapter::~memory_adapter() = default;

boost::system::result<void> memory_adapter::init(std::uint16_t shards) {
  logs_.clear();
  for (std::uint16_t i = 0; i < shards; ++i) {
    logs_.push_back(std::make_unique<detail::retained_log>(retention_));
  }
  return {};
}

boost::system::result<void> memory_adapter::on_batch(const batch& b,
                                                     std::chrono::steady_clock::time_point) {
  if (b.shard_id >= logs_.size()) return make_error_code(errc::unrouted);
  logs_[b.shard_id]->append(b.events);
  return {};
}

boost::system::result<void> memory_adapter::on_batch_owned(const batch& b,
                                                           std::span<internal_event> owned) {
  if (b.shard_id >= logs_.size()) return make_error_code(errc::unrouted);
  logs_[b.shard_id]->append_moved(owned);
  return {};
}

boost::system::result<shard_page> memory_adapter::poll_shard(std::uint16_t shard,
                                                             std::string_view after_id,
                                                             std::size_t limit) {
  if (shard >= logs_.size()) return make_error_code(errc::unrouted);
  std::uint64_t after = 0;
  if (!after_id.empty()) {
    auto [p, ec] = std::from_chars(after_id.data(), after_id.data() + after_id.size(), after);
    if (ec != std::errc() || p != after_id.data() + after_id.size()) {
      return make_error_code(errc::invalid_cursor);
    }
  }
  return logs_[shard]->read_after(shard, after, limit);
}

boost::system::result<std::string> memory_adapter::last_id(std::uint16_t shard) {
  if (shard >= logs_.size()) return make_error_code(errc::unrouted);
  auto last = logs_[shard]->last_sequence();
  return last == 0 ? std::string() : std::to_string(last);
}

std::uint64_t memory_adapter::retained_events() const noexcept {
  std::uint64_t n = 0;
  for (const auto& l : logs_) n += l->size();
  return n;
}

std::uint64_t memory_adapter::retained_bytes() const noexcept {
  std::uint64_t n = 0;
  for (const auto& l : logs_) n += l->bytes();
  return n;
}

std::uint64_t memory_adapter::expired() const noexcept {
  std::uint64_t n = 0;
  for (const auto& l : logs_) n += l->expired();
  return n;
}

std::size_t memory_adapter::bytes_per_event_overhead() noexcept {
  return detail::retained_log::entry_overhead();
}

}  // namespace neuromesh::bus
