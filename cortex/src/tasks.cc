#include "neuromesh/cortex/tasks.h"

#include "event_codec.h"
#include "file_state.h"
#include "fold_core.h"
#include "select_rows.h"
#include "watch_logic.h"

#include <fmt/format.h>

#include <algorithm>
#include <shared_mutex>
#include <unordered_map>

namespace neuromesh::cortex {

namespace detail {

enum : std::uint8_t {
  task_created = 0x01,
  task_renamed = 0x02,
  task_completed = 0x03,
  task_deleted = 0x04,
};

class tasks_core {
 public:
  tasks_core(std::shared_ptr<redex_file> file, std::uint64_t origin, std::vector<task> restored,
             std::uint64_t from)
      : origin(origin), items(std::move(restored)) {
    for (std::size_t i = 0; i < items.size(); ++i) index.emplace(items[i].id, i);
    fold = std::make_unique<fold_core>(std::move(file), from,
                                       [this](const redex_event& e) { return apply(e); });
  }

  std::string apply(const redex_event& e) {
    if (e.tombstone) return {};
    event_reader r(e.payload);
    if (!r.ok()) return r.error();
    auto ts = r.meta().ts_ns;
    std::uint64_t id = 0;
    std::string title;
    switch (r.meta().dispatch) {
      case task_created:
        if (!r.u64("task.id", id) || !r.str("task.title", title) || !r.done()) return r.error();
        if (auto it = index.find(id); it != index.end()) {
          items[it->second] = task{id, std::move(title), task_status::pending, ts, ts};
        } else {
          index.emplace(id, items.size());
          items.push_back(task{id, std::move(title), task_status::pending, ts, ts});
        }
        return {};
      case task_renamed:
        if (!r.u64("task.id", id) || !r.str("task.title", title) || !r.done()) return r.error();
        if (auto it = index.find(id); it != index.end()) {
          items[it->second].title = std::move(title);
          items[it->second].updated_ns = ts;
        }
        return {};
      case task_completed:
        if (!r.u64("task.id", id) || !r.done()) return r.error();
        if (auto it = index.find(id); it != index.end()) {
          items[it->second].status = task_status::completed;
          items[it->second].updated_ns = ts;
        }
        return {};
      case task_deleted:
        if (!r.u64("task.id", id) || !r.done()) return r.error();
        if (auto it = index.find(id); it != index.end()) {
          auto pos = it->second;
          index.erase(it);
          if (pos + 1 != items.size()) {
            items[pos] = std::move(items.back());
            index[items[pos].id] = pos;
          }
          items.pop_back();
        }
        return {};
      default:
        return fmt::format("unknown task dispatch 0x{:02x}", r.meta().dispatch);
    }
  }

  boost::system::result<std::uint64_t> write(std::string event) {
    auto seq = fold->file().append(event);
    if (seq) fold->pump();
    return seq;
  }

  std::vector<task> find_many(const task_filter& f) const {
    fold->catch_up();
    std::shared_lock lk(fold->state_mu);
    return detail::select_rows(items, f);
  }

  std::uint64_t origin;
  std::vector<task> items;                         // guarded by fold->state_mu
  std::unordered_map<task_id, std::size_t> index;  // id -> position in items
  std::unique_ptr<fold_core> fold;                 // last: stopped first
};

}  // namespace detail

const char* to_string(task_status s) noexcept {
  return s == task_status::completed ? "completed" : "pending";
}

std::optional<task_status> parse_task_status(std::string_view s) noexcept {
  if (s == "pending") return task_status::pending;
  if (s == "completed") return task_status::completed;
  return std::nullopt;
}

bool task_filter::matches(const task& t) const {
  if (status && t.status != *status) return false;
  if (created_after_ns && t.created_ns <= *created_after_ns) return false;
  if (created_before_ns && t.created_ns >= *created_before_ns) return false;
  if (updated_after_ns && t.updated_ns <= *updated_after_ns) return false;
  if (updated_before_ns && t.updated_ns >= *updated_before_ns) return false;
  if (id_in && std::find(id_in->begin(), id_in->end(), t.id) == id_in->end()) return false;
  if (title_contains && t.title.find(*title_contains) == std::string::npos) return false;
  return true;
}

// --- watch ------------------------------------------------------------------------------

tasks_watch::tasks_watch(std::shared_ptr<detail::tasks_core> core, task_filter f,
                         std::optional<std::vector<task>> last, std::uint64_t epoch)
    : core_(std::move(core)), filter_(std::move(f)), last_(std::move(last)), epoch_(epoch) {}
tasks_watch::tasks_watch(tasks_watch&&) noexcept = default;
tasks_watch& tasks_watch::operator=(tasks_watch&&) noexcept = default;
tasks_watch::~tasks_watch() = default;

std::optional<std::vector<task>> tasks_watch::try_next() {
  return detail::watch_try_next(*core_, filter_, last_, epoch_);
}

boost::system::result<std::vector<task>> tasks_watch::next(std::chrono::nanoseconds timeout) {
  return detail::watch_next(*core_, filter_, last_, epoch_, timeout);
}

boost::asio::awaitable<boost::system::result<std::vector<task>>> tasks_watch::async_next() {
  return detail::watch_async_next(core_, &filter_, &last_, &epoch_);
}

// --- adapter ----------------------------------------------------------------------------

tasks_adapter::tasks_adapter(std::shared_ptr<redex_file> file, std::uint64_t origin,
                             std::vector<task> restored, std::uint64_t from)
    : core_(std::make_shared<detail::tasks_core>(std::move(file), origin, std::move(restored),
                                                 from)) {}
tasks_adapter::~tasks_adapter() = default;

boost::system::result<std::uint64_t> tasks_adapter::create(task_id id, std::string_view title) {
  return core_->write(
      detail::event_writer(detail::task_created, core_->origin, detail::unix_now_ns())
          .u64(id)
          .str(title)
          .finish());
}

boost::system::result<std::uint64_t> tasks_adapter::rename(task_id id, std::string_view title) {
  return core_->write(
      detail::event_writer(detail::task_renamed, core_->origin, detail::unix_now_ns())
          .u64(id)
          .str(title)
          .finish());
}

boost::system::result<std::uint64_t> tasks_adapter::complete(task_id id) {
  if (!find_unique(id)) return make_error_code(errc::not_found);
  return core_->write(
      detail::event_writer(detail::task_completed, core_->origin, detail::unix_now_ns())
          .u64(id)
          .finish());
}

boost::system::result<std::uint64_t> tasks_adapter::remove(task_id id) {
  if (!find_unique(id)) return make_error_code(errc::not_found);
  return core_->write(
      detail::event_writer(detail::task_deleted, core_->origin, detail::unix_now_ns())
          .u64(id)
          .finish());
}

bool tasks_adapter::wait_for_seq(std::uint64_t seq, std::chrono::nanoseconds timeout) const {
  return core_->fold->wait_for_seq(seq, timeout);
}

std::optional<task> tasks_adapter::find_unique(task_id id) const {
  core_->fold->catch_up();
  std::shared_lock lk(core_->fold->state_mu);
  auto it = core_->index.find(id);
  if (it == core_->index.end()) return std::nullopt;
  return core_->items[it->second];
}

std::vector<task> tasks_adapter::find_many(const task_filter& f) const {
  return core_->find_many(f);
}

std::size_t tasks_adapter::count_where(const task_filter& f) const {
  core_->fold->catch_up();
  std::shared_lock lk(core_->fold->state_mu);
  std::size_t n = 0;
  for (const auto& t : core_->items) n += f.matches(t);
  return n;
}

std::size_t tasks_adapter::count() const {
  core_->fold->catch_up();
  std::shared_lock lk(core_->fold->state_mu);
  return core_->items.size();
}

tasks_watch tasks_adapter::watch(task_filter f) const {
  return tasks_watch(core_, std::move(f), std::nullopt, 0);
}

std::pair<std::vector<task>, tasks_watch> tasks_adapter::snapshot_and_watch(task_filter f) const {
  // The epoch is read before the snapshot: a fold landing in between moves it, so the watch
  // re-evaluates and delivers that mutation unless the result equals the snapshot.
  auto epoch = core_->fold->changed.epoch();
  auto snap = core_->find_many(f);
  return {snap, tasks_watch(core_, std::move(f), snap, epoch)};
}

std::uint64_t tasks_adapter::position() const noexcept { return core_->fold->position(); }
std::uint64_t tasks_adapter::fold_errors() const noexcept { return core_->fold->fold_errors(); }
redex_file& tasks_adapter::log() const noexcept { return core_->fold->file(); }

std::string tasks_adapter::encode_state() const {
  core_->fold->catch_up();
  std::shared_lock lk(core_->fold->state_mu);
  detail::event_writer w(0, 0, 0);
  std::size_t size = 16;
  for (const auto& t : core_->items) size += 29 + t.title.size();
  w.reserve(size).u64(core_->fold->position()).u64(core_->items.size());
  for (const auto& t : core_->items)
    w.u64(t.id)
        .str(t.title)
        .u8(static_cast<std::uint8_t>(t.status))
        .u64(t.created_ns)
        .u64(t.updated_ns);
  return std::move(w).finish();
}

}  // namespace neuromesh::cortex
