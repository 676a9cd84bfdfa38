#include "neuromesh/runtime/engram_memory.h"

#include "engram_json.h"
#include "engram_ops.h"
#include "engram_recall.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

namespace neuromesh::runtime {

engram_identity default_memory_identity() {
  return {"engram-memory", "keyvalue", {"substring", "tags", "merge_key"}, "0.0.1"};
}

namespace {

struct memory_row {
  detail::stored_row row;
  std::string hay;  // python_dumps(content), lower-cased: what text recall searches
};

}  // namespace

struct memory_engram::impl : detail::engram_tx {
  std::mutex mutex;
  bool connected = false;
  std::unordered_map<std::string, memory_row> rows;
  std::map<std::string, std::vector<std::string>, std::less<>> by_merge_key;
  std::unordered_map<std::string, std::string> seen_ids;
  std::map<std::string, std::vector<detail::journal_record>, std::less<>> journals;
  std::atomic<std::uint64_t> recalls{0}, imprints{0}, replays{0}, receipt_errors{0}, rejected{0},
      compensated{0};

  void clear() {
    rows.clear();
    by_merge_key.clear();
    seen_ids.clear();
    journals.clear();
  }

  engram_result<std::optional<std::string>> seen(std::string_view imprint_id) override {
    auto it = seen_ids.find(std::string(imprint_id));
    if (it == seen_ids.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  engram_result<void> mark_seen(std::string_view imprint_id, std::string_view entry_id) override {
    seen_ids.emplace(std::string(imprint_id), std::string(entry_id));
    return {};
  }
  engram_result<std::optional<detail::stored_row>> find(std::string_view id) override {
    auto it = rows.find(std::string(id));
    if (it == rows.end()) return std::optional<detail::stored_row>{};
    return std::optional<detail::stored_row>{it->second.row};
  }
  engram_result<std::optional<detail::stored_row>> newest_live(
      std::string_view merge_key) override {
    auto bucket = by_merge_key.find(merge_key);
    if (bucket == by_merge_key.end()) return std::optional<detail::stored_row>{};
    const memory_row* best = nullptr;
    for (const auto& id : bucket->second) {
      const auto& r = rows.at(id);
      if (best == nullptr || r.row.entry.updated_at >= best->row.entry.updated_at) best = &r;
    }
    if (best == nullptr) return std::optional<detail::stored_row>{};
    return std::optional<detail::stored_row>{best->row};
  }
  void index(const detail::stored_row& row) {
    if (row.entry.merge_key) by_merge_key[*row.entry.merge_key].push_back(row.entry.id);
  }
  void unindex(const detail::stored_row& row) {
    if (!row.entry.merge_key) return;
    auto bucket = by_merge_key.find(*row.entry.merge_key);
    if (bucket == by_merge_key.end()) return;
    std::erase(bucket->second, row.entry.id);
    if (bucket->second.empty()) by_merge_key.erase(bucket);
  }
  engram_result<void> insert(const detail::stored_row& row) override {
    index(row);
    rows[row.entry.id] = {row, detail::ascii_lower(detail::python_dumps(row.entry.content))};
    return {};
  }
  engram_result<void> update(const detail::stored_row& row) override {
    if (auto it = rows.find(row.entry.id); it != rows.end()) {
      unindex(it->second.row);
      rows.erase(it);
    }
    return insert(row);
  }
  engram_result<void> erase(std::string_view id) override {
    if (auto it = rows.find(std::string(id)); it != rows.end()) {
      unindex(it->second.row);
      rows.erase(it);
    }
    return {};
  }
  bool soft_delete() const noexcept override { return false; }
  engram_result<void> journal(std::string_view trace_id, const detail::journal_record& r) override {
    journals[std::string(trace_id)].push_back(r);
    return {};
  }
  engram_result<std::vector<detail::journal_record>> take_journal(
      std::string_view trace_id) override {
    auto it = journals.find(trace_id);
    if (it == journals.end()) return std::vector<detail::journal_record>{};
    auto out = std::move(it->second);
    journals.erase(it);
    std::reverse(out.begin(), out.end());
    return out;
  }

  engram_error not_connected() {
    ++rejected;
    return {engram_errc::not_connected, "memory engram: connect() not called"};
  }
};

memory_engram::memory_engram(engram_identity identity)
    : engram(std::move(identity)), impl_(std::make_unique<impl>()) {}
memory_engram::~memory_engram() = default;

engram_result<void> memory_engram::connect() {
  std::lock_guard lock(impl_->mutex);
  impl_->connected = true;
  return {};
}

void memory_engram::close() noexcept {
  std::lock_guard lock(impl_->mutex);
  impl_->connected = false;
  impl_->clear();
}

engram_result<std::size_t> memory_engram::compensate(std::string_view trace_id) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->connected) return impl_->not_connected();
  auto n = detail::compensate(*impl_, trace_id);
  if (n) impl_->compensated += *n;
  return n;
}

engram_result<void> memory_engram::commit(std::string_view trace_id) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->connected) return impl_->not_connected();
  if (auto it = impl_->journals.find(trace_id); it != impl_->journals.end())
    impl_->journals.erase(it);
  return {};
}

engram_stats memory_engram::stats() const noexcept {
  engram_stats s;
  s.recalls = impl_->recalls.load();
  s.imprints = impl_->imprints.load();
  s.replays = impl_->replays.load();
  s.receipt_errors = impl_->receipt_errors.load();
  s.rejected = impl_->rejected.load();
  s.compensated = impl_->compensated.load();
  return s;
}

void memory_engram::count_rejected() noexcept { ++impl_->rejected; }

engram_result<recall_hits> memory_engram::do_recall(const recall_query& q) {
  auto plan = detail::plan_recall(q);
  if (!plan) {
    ++impl_->rejected;
    return plan.error();
  }
  std::vector<hit> hits;
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->connected) return impl_->not_connected();
    ++impl_->recalls;
    auto consider = [&](const memory_row& r) {
      auto score = detail::match(*plan, q, r.row.entry, r.hay);
      if (score) hits.push_back({r.row.entry.id, r.row.entry, *score});
    };
    if (q.merge_key) {
      if (auto bucket = impl_->by_merge_key.find(*q.merge_key); bucket != impl_->by_merge_key.end())
        for (const auto& id : bucket->second) consider(impl_->rows.at(id));
    } else {
      for (const auto& [id, r] : impl_->rows) consider(r);
    }
  }
  return detail::rank(std::move(hits), q.top_k);
}

engram_result<imprint_receipt> memory_engram::do_imprint(const imprint_request& r) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->connected) return impl_->not_connected();
  const bool replay = r.imprint_id && impl_->seen_ids.contains(*r.imprint_id);
  auto out = detail::apply_imprint(*impl_, r, identity());
  if (out) {
    if (replay)
      ++impl_->replays;
    else if (out->error)
      ++impl_->receipt_errors;
    else
      ++impl_->imprints;
  }
  return out;
}

}  // namespace neuromesh::runtime
