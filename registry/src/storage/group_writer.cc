#include "neuromesh/registry/storage/group_writer.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <future>

namespace neuromesh::registry::storage {

group_writer::group_writer(transactional& db, std::string name, std::size_t max_batch)
    : db_(db), name_(std::move(name)), max_batch_(max_batch == 0 ? 1 : max_batch) {
  thread_ = std::thread([this] { run(); });
}

group_writer::~group_writer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();  // run() drains the queue before it returns
}

void group_writer::submit(operation op, completion done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(op), std::move(done)});
      if (queue_.size() == 1) cv_.notify_one();
      return;
    }
  }
  ++failed_;
  if (done) done(false);
}

bool group_writer::flush() {
  std::promise<bool> settled;
  auto result = settled.get_future();
  // A no-op in its own place in the queue: it settles after everything before it. Its own
  // outcome says whether the last batch committed; earlier failures were reported to their
  // callers already, so only the count matters here.
  auto failed_before = failed_.load();
  submit([] { return true; }, [&settled](bool ok) { settled.set_value(ok); });
  bool ok = result.get();
  return ok && failed_.load() == failed_before;
}

group_writer_stats group_writer::stats() const {
  return {writes_.load(), transactions_.load(), failed_.load(), isolated_.load(),
          reconnected_.load()};
}

void group_writer::run() {
  std::vector<item> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      if (queue_.size() <= max_batch_) {
        batch.swap(queue_);
      } else {
        auto end = queue_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
    }
    if (apply_reconnecting(batch, 0, batch.size())) {
      settle(batch, 0, batch.size(), true);
    } else if (batch.size() == 1) {
      settle(batch, 0, 1, false);
    } else {
      // One bad operation must not fail its neighbours: replay each alone.
      ++isolated_;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        settle(batch, i, 1, apply_reconnecting(batch, i, 1));
      }
    }
    batch.clear();
  }
}

bool group_writer::apply_reconnecting(std::vector<item>& batch, std::size_t first,
                                      std::size_t count) {
  if (apply(batch, first, count)) return true;
  if (!db_.take_lost_connection()) return false;
  ++reconnected_;
  spdlog::warn("{}: connection lost; applying {} write(s) again", name_, count);
  return apply(batch, first, count);
}

bool group_writer::apply(std::vector<item>& batch, std::size_t first, std::size_t count) {
  if (!db_.begin()) return false;
  bool ok = true;
  for (std::size_t i = first; ok && i < first + count; ++i) {
    try {
      ok = batch[i].op();
    } catch (const std::exception& e) {
      spdlog::error("{}: write failed: {}", name_, e.what());
      ok = false;
    }
  }
  if (ok && db_.commit()) {
    ++transactions_;
    return true;
  }
  db_.rollback();
  return false;
}

void group_writer::settle(std::vector<item>& batch, std::size_t first, std::size_t count, bool ok) {
  writes_ += count;
  if (!ok) failed_ += count;
  for (std::size_t i = first; i < first + count; ++i) {
    if (batch[i].done) batch[i].done(ok);
  }
}

}  // namespace neuromesh::registry::storage
