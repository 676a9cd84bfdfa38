#pragma once
// The memories model (Net's CortEX memories): state folded from the RedEX channel
// "cortex/memories". Mutations are events (stored, retagged, pinned, unpinned, deleted)
// carrying the writer's origin and timestamp. Same lifecycle and thread-safety as tasks.h.
//
//   db.memories().store(7, "the build uses ccache", {"build", "ci"}, "agent-3");
//   auto hits = db.memories().find_many({.tag = "ci", .content_contains = "ccache"});

#include "neuromesh/cortex/errc.h"
#include "neuromesh/cortex/redex_file.h"
#include "neuromesh/cortex/tasks.h"

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
class memories_core;
}

using memory_id = std::uint64_t;

struct memory {
  memory_id id = 0;
  std::string content;
  std::vector<std::string> tags;
  std::string source;
  std::uint64_t created_ns = 0;
  std::uint64_t updated_ns = 0;
  bool pinned = false;
  friend bool operator==(const memory&, const memory&) = default;
};

/// Every set field must match (AND). tag: has that tag; any_tag: has one of them; all_tags:
/// has all of them; content_contains: substring (case-sensitive). order defaults to id_asc.
struct memory_filter {
  std::optional<std::string> source;
  std::optional<std::string> content_contains;
  std::optional<std::string> tag;
  std::optional<std::vector<std::string>> any_tag;
  std::optional<std::vector<std::string>> all_tags;
  std::optional<bool> pinned;
  std::optional<std::uint64_t> created_after_ns, created_before_ns;
  std::optional<std::uint64_t> updated_after_ns, updated_before_ns;
  order_by order = order_by::id_asc;
  std::optional<std::size_t> limit;
  bool matches(const memory& m) const;
};

/// As tasks_watch, for memories.
class memories_watch {
 public:
  memories_watch(memories_watch&&) noexcept;
  memories_watch& operator=(memories_watch&&) noexcept;
  ~memories_watch();
  std::optional<std::vector<memory>> try_next();
  boost::system::result<std::vector<memory>> next(std::chrono::nanoseconds timeout);
  boost::asio::awaitable<boost::system::result<std::vector<memory>>> async_next();

 private:
  friend class memories_adapter;
  memories_watch(std::shared_ptr<detail::memories_core> core, memory_filter f,
                 std::optional<std::vector<memory>> last, std::uint64_t epoch);
  std::shared_ptr<detail::memories_core> core_;
  memory_filter filter_;
  std::optional<std::vector<memory>> last_;
  std::uint64_t epoch_;
};

class memories_adapter {
 public:
  ~memories_adapter();

  /// Stores (or replaces content, tags and source of) a memory; the event's seq.
  boost::system::result<std::uint64_t> store(memory_id id, std::string_view content,
                                             const std::vector<std::string>& tags,
                                             std::string_view source);
  /// errc::not_found for an unknown id.
  boost::system::result<std::uint64_t> retag(memory_id id, const std::vector<std::string>& tags);
  boost::system::result<std::uint64_t> pin(memory_id id);
  boost::system::result<std::uint64_t> unpin(memory_id id);
  boost::system::result<std::uint64_t> remove(memory_id id);

  bool wait_for_seq(std::uint64_t seq,
                    std::chrono::nanoseconds timeout = std::chrono::seconds(10)) const;
  std::optional<memory> find_unique(memory_id id) const;
  std::vector<memory> find_many(const memory_filter& f) const;
  std::size_t count_where(const memory_filter& f) const;
  std::size_t count() const;

  memories_watch watch(memory_filter f = {}) const;
  std::pair<std::vector<memory>, memories_watch> snapshot_and_watch(memory_filter f = {}) const;

  std::uint64_t position() const noexcept;
  std::uint64_t fold_errors() const noexcept;
  redex_file& log() const noexcept;
  std::string encode_state() const;

 private:
  friend class netdb;
  friend class netdb_builder;
  memories_adapter(std::shared_ptr<redex_file> file, std::uint64_t origin,
                   std::vector<memory> restored, std::uint64_t from);
  std::shared_ptr<detail::memories_core> core_;
};

}  // namespace neuromesh::cortex
