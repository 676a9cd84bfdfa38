#include "file_state.h"

#include "le.h"
#include "neuromesh/cortex/errc.h"
#include "neuromesh/cortex/index_record.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace neuromesh::cortex::detail {

std::uint64_t unix_now_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

file_state::file_state(channel_name n, redex_file_config c,
                       std::optional<std::filesystem::path> disk_dir)
    : name(std::move(n)), config(std::move(c)) {
  if (!disk_dir) return;
  auto rec = recover_files(*disk_dir);
  counters_.recovered_truncated = rec.truncated;
  if (!rec.records.empty()) first_seq_ = rec.records.front().seq;
  std::uint64_t next = first_seq_;
  for (auto& r : rec.records) {
    push_locked(r.payload, r.ts_ns, r.flags);
    if (r.flags & index_record::flag_tombstone) {
      ++counters_.tombstones;
      auto target = get_u64(r.payload.data());
      if (target >= first_seq_ && target < r.seq) slots_[target - first_seq_].flags |= deleted_bit;
    }
    next = r.seq + 1;
  }
  next_seq_.store(next, std::memory_order_release);
  evict_locked(unix_now_ns());
  disk_ = std::make_unique<disk_store>(*disk_dir, config.fsync);
}

file_state::~file_state() { (void)close(); }

void file_state::push_locked(std::string_view payload, std::uint64_t ts, std::uint32_t flags) {
  slot s;
  s.ts_ns = ts;
  s.len = static_cast<std::uint32_t>(payload.size());
  s.flags = flags & index_record::flag_mask;
  if (payload.size() <= 8) {
    std::memset(s.bytes, 0, sizeof s.bytes);
    if (!payload.empty()) std::memcpy(s.bytes, payload.data(), payload.size());
  } else {
    if (chunks_.empty() || chunks_.back().cap - chunks_.back().used < payload.size()) {
      chunk c;
      c.cap = std::max(chunk_size, payload.size());
      c.buf.reset(new char[c.cap]);
      chunks_.push_back(std::move(c));
    }
    auto& c = chunks_.back();
    std::memcpy(c.buf.get() + c.used, payload.data(), payload.size());
    s.ptr = c.buf.get() + c.used;
    c.used += payload.size();
    ++c.count;
  }
  slots_.push_back(s);
  bytes_ += index_record::size + payload.size();
}

std::uint64_t file_state::evict_locked(std::uint64_t now) {
  const auto& r = config.retention;
  std::uint64_t cutoff = 0;
  if (r.max_age) {
    auto age = static_cast<std::uint64_t>(r.max_age->count());
    cutoff = now > age ? now - age : 0;
  }
  std::uint64_t n = 0;
  while (!slots_.empty()) {
    const auto& s = slots_.front();
    bool over = (r.max_events && slots_.size() > *r.max_events) ||
                (r.max_bytes && bytes_ > *r.max_bytes) || (r.max_age && s.ts_ns < cutoff);
    if (!over) break;
    bytes_ -= index_record::size + s.len;
    if (s.len > 8) {
      // Heap payloads are stored in seq order, so this one is in the oldest live chunk.
      while (chunks_.front().evicted == chunks_.front().count) chunks_.pop_front();
      auto& c = chunks_.front();
      if (++c.evicted == c.count && chunks_.size() > 1) chunks_.pop_front();
    }
    slots_.pop_front();
    ++first_seq_;
    ++n;
  }
  if (n == 0) return 0;
  counters_.evicted += n;
  // A front chunk that is not full may still be emptied; free it once nothing newer sits in it.
  while (chunks_.size() > 1 && chunks_.front().evicted == chunks_.front().count)
    chunks_.pop_front();
  return n;
}

boost::system::result<std::uint64_t> file_state::append(std::span<const std::string_view> payloads,
                                                        std::uint32_t flags) {
  if (payloads.empty()) return next_seq();
  std::uint64_t first;
  {
    std::lock_guard lk(mu_);
    if (closed()) return make_error_code(errc::closed);
    auto now = unix_now_ns();
    first = next_seq_.load(std::memory_order_relaxed);
    if (disk_) {
      pending_.clear();
      for (std::size_t i = 0; i < payloads.size(); ++i)
        pending_.push_back({first + i, now, flags, payloads[i]});
      if (auto r = disk_->append(pending_); !r) return r.error();
    }
    for (auto p : payloads) push_locked(p, now, flags);
    counters_.appended += payloads.size();
    next_seq_.store(first + payloads.size(), std::memory_order_release);
    evict_locked(now);
  }
  appended.notify();
  return first;
}

boost::system::result<std::uint64_t> file_state::tombstone(std::uint64_t target) {
  std::uint64_t seq;
  {
    std::lock_guard lk(mu_);
    if (closed()) return make_error_code(errc::closed);
    auto next = next_seq_.load(std::memory_order_relaxed);
    if (target < first_seq_ || target >= next) return make_error_code(errc::unknown_seq);
    auto& s = slots_[target - first_seq_];
    if (s.flags & (deleted_bit | index_record::flag_tombstone))
      return make_error_code(errc::unknown_seq);
    char body[8];
    put_u64(body, target);
    std::string_view payload(body, 8);
    auto now = unix_now_ns();
    seq = next;
    if (disk_) {
      pending_record p{seq, now, index_record::flag_tombstone, payload};
      if (auto r = disk_->append({&p, 1}); !r) return r.error();
    }
    slots_[target - first_seq_].flags |= deleted_bit;
    push_locked(payload, now, index_record::flag_tombstone);
    ++counters_.appended;
    ++counters_.tombstones;
    next_seq_.store(seq + 1, std::memory_order_release);
    evict_locked(now);
  }
  appended.notify();
  return seq;
}

redex_event file_state::event_locked(std::size_t i) const {
  const auto& s = slots_[i];
  redex_event e;
  e.seq = first_seq_ + i;
  e.ts_ns = s.ts_ns;
  e.tombstone = s.flags & index_record::flag_tombstone;
  if (s.len <= 8)
    e.payload.assign(s.bytes, s.len);
  else
    e.payload.assign(s.ptr, s.len);
  return e;
}

std::vector<redex_event> file_state::read(std::uint64_t from, std::size_t n) const {
  std::vector<redex_event> out;
  std::lock_guard lk(mu_);
  std::size_t i = from > first_seq_ ? static_cast<std::size_t>(from - first_seq_) : 0;
  for (; i < slots_.size() && out.size() < n; ++i) {
    if (slots_[i].flags & (deleted_bit | index_record::flag_tombstone)) continue;
    out.push_back(event_locked(i));
  }
  return out;
}

std::optional<redex_event> file_state::next_from(std::uint64_t& cursor,
                                                 std::uint64_t& skipped) const {
  std::lock_guard lk(mu_);
  if (cursor < first_seq_) {
    skipped += first_seq_ - cursor;
    cursor = first_seq_;
  }
  while (cursor < first_seq_ + slots_.size()) {
    auto i = static_cast<std::size_t>(cursor - first_seq_);
    ++cursor;
    if (slots_[i].flags & deleted_bit) continue;
    return event_locked(i);
  }
  return std::nullopt;
}

std::uint64_t file_state::sweep() {
  std::lock_guard lk(mu_);
  return evict_locked(unix_now_ns());
}

boost::system::result<void> file_state::sync() {
  if (!disk_ || closed()) return {};
  return disk_->sync();
}

boost::system::result<void> file_state::close() {
  boost::system::result<void> r;
  {
    std::lock_guard lk(mu_);
    if (closed()) return {};
    closed_.store(true, std::memory_order_release);
    if (disk_) r = disk_->close();
  }
  appended.notify();
  return r;
}

redex_stats file_state::stats() const {
  std::lock_guard lk(mu_);
  redex_stats s = counters_;
  s.count = slots_.size();
  s.bytes = bytes_;
  s.first_seq = first_seq_;
  s.next_seq = next_seq_.load(std::memory_order_relaxed);
  if (disk_) s.fsyncs = disk_->fsyncs();
  return s;
}

}  // namespace neuromesh::cortex::detail
