#pragma once
// The tasks model (Net's CortEX tasks): state folded from the RedEX channel "cortex/tasks".
// Mutations are events (created, renamed, completed, deleted) carrying the writer's origin
// and timestamp; queries read the folded state.
//
//   auto seq = db.tasks().create(1, "write docs");        // result<uint64_t>
//   db.tasks().wait_for_seq(*seq);                        // read-after-write barrier
//   auto pending = db.tasks().find_many({.status = task_status::pending, .limit = 20});
//   auto [now, w] = db.tasks().snapshot_and_watch({.status = task_status::pending});
//   auto next = w.next(1s);                               // the filtered set, when it changes
//
// Thread-safety: every member may be called from any thread. Writes append and fold at once
// (the write is visible to queries when it returns); records other writers append to the
// channel are folded by the next query, wait or watch (the fold has no thread of its own).
// A tasks_watch is used by one thread or coroutine at a time.

#include "neuromesh/cortex/errc.h"
#include "neuromesh/cortex/redex_file.h"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace neuromesh::cortex {

namespace detail {
class tasks_core;
}

using task_id = std::uint64_t;

enum class task_status : std::uint8_t { pending = 0, completed = 1 };
/// "pending" / "completed".
const char* to_string(task_status s) noexcept;
std::optional<task_status> parse_task_status(std::string_view s) noexcept;

struct task {
  task_id id = 0;
  std::string title;
  task_status status = task_status::pending;
  std::uint64_t created_ns = 0;
  std::uint64_t updated_ns = 0;
  friend bool operator==(const task&, const task&) = default;
};

enum class order_by { id_asc, id_desc, created_asc, created_desc, updated_asc, updated_desc };

/// Every set field must match (AND). order defaults to id_asc so results are deterministic.
struct task_filter {
  std::optional<task_status> status;
  std::optional<std::vector<task_id>> id_in;
  std::optional<std::string> title_contains;
  std::optional<std::uint64_t> created_after_ns, created_before_ns;
  std::optional<std::uint64_t> updated_after_ns, updated_before_ns;
  order_by order = order_by::id_asc;
  std::optional<std::size_t> limit;
  bool matches(const task& t) const;
};

/// The filtered task list, re-evaluated after each fold and emitted only when it changed.
/// The first next() of a plain watch() returns the current result at once; a watch from
/// snapshot_and_watch() starts from the snapshot, so only a different result is emitted.
/// A slow reader sees the latest result, not every intermediate one.
class tasks_watch {
 public:
  tasks_watch(tasks_watch&&) noexcept;
  tasks_watch& operator=(tasks_watch&&) noexcept;
  ~tasks_watch();
  /// A new result if there is one now.
  std::optional<std::vector<task>> try_next();
  /// errc::timeout, or errc::closed once the log is closed.
  boost::system::result<std::vector<task>> next(std::chrono::nanoseconds timeout);
  /// Single-threaded executor or strand; cancellable (operation_aborted).
  boost::asio::awaitable<boost::system::result<std::vector<task>>> async_next();

 private:
  friend class tasks_adapter;
  tasks_watch(std::shared_ptr<detail::tasks_core> core, task_filter f,
              std::optional<std::vector<task>> last, std::uint64_t epoch);
  std::shared_ptr<detail::tasks_core> core_;
  task_filter filter_;
  std::optional<std::vector<task>> last_;
  std::uint64_t epoch_;
};

class tasks_adapter {
 public:
  ~tasks_adapter();

  /// Appends a mutation and folds it; the event's seq. errc::closed / io_error from the log.
  boost::system::result<std::uint64_t> create(task_id id, std::string_view title);
  boost::system::result<std::uint64_t> rename(task_id id, std::string_view title);
  /// errc::not_found when the folded state has no such task.
  boost::system::result<std::uint64_t> complete(task_id id);
  boost::system::result<std::uint64_t> remove(task_id id);

  /// Waits until the fold has applied seq; false on timeout or a closed log.
  bool wait_for_seq(std::uint64_t seq,
                    std::chrono::nanoseconds timeout = std::chrono::seconds(10)) const;
  std::optional<task> find_unique(task_id id) const;
  std::vector<task> find_many(const task_filter& f) const;
  std::size_t count_where(const task_filter& f) const;
  std::size_t count() const;

  tasks_watch watch(task_filter f = {}) const;
  std::pair<std::vector<task>, tasks_watch> snapshot_and_watch(task_filter f = {}) const;

  /// Next seq the fold will apply; events it could not decode (skipped and logged).
  std::uint64_t position() const noexcept;
  std::uint64_t fold_errors() const noexcept;
  redex_file& log() const noexcept;

  /// The folded state as bytes (the NetDb bundle's tasks section).
  std::string encode_state() const;

 private:
  friend class netdb;
  friend class netdb_builder;
  tasks_adapter(std::shared_ptr<redex_file> file, std::uint64_t origin, std::vector<task> restored,
                std::uint64_t from);
  std::shared_ptr<detail::tasks_core> core_;
};

}  // namespace neuromesh::cortex
