#include "neuromesh/cortex/memories.h"

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
  memory_stored = 0x10,
  memory_retagged = 0x11,
  memory_pinned = 0x12,
  memory_unpinned = 0x13,
  memory_deleted = 0x14,
};

class memories_core {
 public:
  memories_core(std::shared_ptr<redex_file> file, std::uint64_t origin,
                std::vector<memory> restored, std::uint64_t from)
      : origin(origin), items(std::move(restored)) {
    for (std::size_t i = 0; i < items.size(); ++i) index.emplace(items[i].id, i);
    fold = std::make_unique<fold_core>(std::move(file), from,
                                       [this](const redex_event& e) { return apply(e); });
  }

  memory* find(memory_id id) {
    auto it = index.find(id);
    return it == index.end() ? nullptr : &items[it->second];
  }

  std::string apply(const redex_event& e) {
    if (e.tombstone) return {};
    event_reader r(e.payload);
    if (!r.ok()) return r.error();
    auto ts = r.meta().ts_ns;
    memory_id id = 0;
    switch (r.meta().dispatch) {
      case memory_stored: {
        memory m;
        if (!r.u64("memory.id", m.id) || !r.str("memory.content", m.content) ||
            !r.strs("memory.tags", m.tags) || !r.str("memory.source", m.source) || !r.done())
          return r.error();
        if (auto* old = find(m.id)) {
          old->content = std::move(m.content);
          old->tags = std::move(m.tags);
          old->source = std::move(m.source);
          old->updated_ns = ts;
        } else {
          m.created_ns = m.updated_ns = ts;
          index.emplace(m.id, items.size());
          items.push_back(std::move(m));
        }
        return {};
      }
      case memory_retagged: {
        std::vector<std::string> tags;
        if (!r.u64("memory.id", id) || !r.strs("memory.tags", tags) || !r.done()) return r.error();
        if (auto* m = find(id)) {
          m->tags = std::move(tags);
          m->updated_ns = ts;
        }
        return {};
      }
      case memory_pinned:
      case memory_unpinned:
        if (!r.u64("memory.id", id) || !r.done()) return r.error();
        if (auto* m = find(id)) {
          m->pinned = r.meta().dispatch == memory_pinned;
          m->updated_ns = ts;
        }
        return {};
      case memory_deleted:
        if (!r.u64("memory.id", id) || !r.done()) return r.error();
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
        return fmt::format("unknown memory dispatch 0x{:02x}", r.meta().dispatch);
    }
  }

  boost::system::result<std::uint64_t> write(std::string event) {
    auto seq = fold->file().append(event);
    if (seq) fold->pump();
    return seq;
  }

  bool exists(memory_id id) const {
    fold->catch_up();
    std::shared_lock lk(fold->state_mu);
    return index.count(id) != 0;
  }

  std::vector<memory> find_many(const memory_filter& f) const {
    fold->catch_up();
    std::shared_lock lk(fold->state_mu);
    return detail::select_rows(items, f);
  }

  std::uint64_t origin;
  std::vector<memory> items;
  std::unordered_map<memory_id, std::size_t> index;
  std::unique_ptr<fold_core> fold;
};

}  // namespace detail

namespace {
bool has_tag(const memory& m, const std::string& t) {
  return std::find(m.tags.begin(), m.tags.end(), t) != m.tags.end();
}
}  // namespace

bool memory_filter::matches(const memory& m) const {
  if (pinned && m.pinned != *pinned) return false;
  if (created_after_ns && m.created_ns <= *created_after_ns) return false;
  if (created_before_ns && m.created_ns >= *created_before_ns) return false;
  if (updated_after_ns && m.updated_ns <= *updated_after_ns) return false;
  if (updated_before_ns && m.updated_ns >= *updated_before_ns) return false;
  if (source && m.source != *source) return false;
  if (tag && !has_tag(m, *tag)) return false;
  if (any_tag && std::none_of(any_tag->begin(), any_tag->end(),
                              [&](const std::string& t) { return has_tag(m, t); }))
    return false;
  if (all_tags && !std::all_of(all_tags->begin(), all_tags->end(),
                               [&](const std::string& t) { return has_tag(m, t); }))
    return false;
  if (content_contains && m.content.find(*content_contains) == std::string::npos) return false;
  return true;
}

memories_watch::memories_watch(std::shared_ptr<detail::memories_core> core, memory_filter f,
                               std::optional<std::vector<memory>> last, std::uint64_t epoch)
    : core_(std::move(core)), filter_(std::move(f)), last_(std::move(last)), epoch_(epoch) {}
memories_watch::memories_watch(memories_watch&&) noexcept = default;
memories_watch& memories_watch::operator=(memories_watch&&) noexcept = default;
memories_watch::~memories_watch() = default;

std::optional<std::vector<memory>> memories_watch::try_next() {
  return detail::watch_try_next(*core_, filter_, last_, epoch_);
}
boost::system::result<std::vector<memory>> memories_watch::next(std::chrono::nanoseconds timeout) {
  return detail::watch_next(*core_, filter_, last_, epoch_, timeout);
}
boost::asio::awaitable<boost::system::result<std::vector<memory>>> memories_watch::async_next() {
  return detail::watch_async_next(core_, &filter_, &last_, &epoch_);
}

memories_adapter::memories_adapter(std::shared_ptr<redex_file> file, std::uint64_t origin,
                                   std::vector<memory> restored, std::uint64_t from)
    : core_(std::make_shared<detail::memories_core>(std::move(file), origin, std::move(restored),
                                                    from)) {}
memories_adapter::~memories_adapter() = default;

boost::system::result<std::uint64_t> memories_adapter::store(memory_id id, std::string_view content,
                                                             const std::vector<std::string>& tags,
                                                             std::string_view source) {
  return core_->write(
      detail::event_writer(detail::memory_stored, core_->origin, detail::unix_now_ns())
          .u64(id)
          .str(content)
          .strs(tags)
          .str(source)
          .finish());
}

boost::system::result<std::uint64_t> memories_adapter::retag(memory_id id,
                                                             const std::vector<std::string>& tags) {
  if (!core_->exists(id)) return make_error_code(errc::not_found);
  return core_->write(
      detail::event_writer(detail::memory_retagged, core_->origin, detail::unix_now_ns())
          .u64(id)
          .strs(tags)
          .finish());
}

namespace {
boost::system::result<std::uint64_t> id_only(detail::memories_core& c, std::uint8_t dispatch,
                                             memory_id id) {
  if (!c.exists(id)) return make_error_code(errc::not_found);
  return c.write(detail::event_writer(dispatch, c.origin, detail::unix_now_ns()).u64(id).finish());
}
}  // namespace

boost::system::result<std::uint64_t> memories_adapter::pin(memory_id id) {
  return id_only(*core_, detail::memory_pinned, id);
}
boost::system::result<std::uint64_t> memories_adapter::unpin(memory_id id) {
  return id_only(*core_, detail::memory_unpinned, id);
}
boost::system::result<std::uint64_t> memories_adapter::remove(memory_id id) {
  return id_only(*core_, detail::memory_deleted, id);
}

bool memories_adapter::wait_for_seq(std::uint64_t seq, std::chrono::nanoseconds timeout) const {
  return core_->fold->wait_for_seq(seq, timeout);
}

std::optional<memory> memories_adapter::find_unique(memory_id id) const {
  core_->fold->catch_up();
  std::shared_lock lk(core_->fold->state_mu);
  auto it = core_->index.find(id);
  if (it == core_->index.end()) return std::nullopt;
  return core_->items[it->second];
}

std::vector<memory> memories_adapter::find_many(const memory_filter& f) const {
  return core_->find_many(f);
}

std::size_t memories_adapter::count_where(const memory_filter& f) const {
  core_->fold->catch_up();
  std::shared_lock lk(core_->fold->state_mu);
  std::size_t n = 0;
  for (const auto& m : core_->items) n += f.matches(m);
  return n;
}

std::size_t memories_adapter::count() const {
  core_->fold->catch_up();
  std::shared_lock lk(core_->fold->state_mu);
  return core_->items.size();
}

memories_watch memories_adapter::watch(memory_filter f) const {
  return memories_watch(core_, std::move(f), std::nullopt, 0);
}

std::pair<std::vector<memory>, memories_watch> memories_adapter::snapshot_and_watch(
    memory_filter f) const {
  auto epoch = core_->fold->changed.epoch();
  auto snap = core_->find_many(f);
  return {snap, memories_watch(core_, std::move(f), snap, epoch)};
}

std::uint64_t memories_adapter::position() const noexcept { return core_->fold->position(); }
std::uint64_t memories_adapter::fold_errors() const noexcept { return core_->fold->fold_errors(); }
redex_file& memories_adapter::log() const noexcept { return core_->fold->file(); }

std::string memories_adapter::encode_state() const {
  core_->fold->catch_up();
  std::shared_lock lk(core_->fold->state_mu);
  detail::event_writer w(0, 0, 0);
  std::size_t size = 16;
  for (const auto& m : core_->items) {
    size += 41 + m.content.size() + m.source.size();
    for (const auto& t : m.tags) size += 4 + t.size();
  }
  w.reserve(size).u64(core_->fold->position()).u64(core_->items.size());
  for (const auto& m : core_->items)
    w.u64(m.id)
        .str(m.content)
        .strs(m.tags)
        .str(m.source)
        .u64(m.created_ns)
        .u64(m.updated_ns)
        .u8(m.pinned ? 1 : 0);
  return std::move(w).finish();
}

}  // namespace neuromesh::cortex
