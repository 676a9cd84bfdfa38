#include "state_codec.h"

#include "event_codec.h"

#include <fmt/format.h>

namespace neuromesh::cortex::detail {
namespace {

// Each record needs at least this many bytes, which bounds a hostile count.
constexpr std::size_t min_task_bytes = 8 + 4 + 1 + 8 + 8;
constexpr std::size_t min_memory_bytes = 8 + 4 + 4 + 4 + 8 + 8 + 1;

}  // namespace

std::string decode_tasks_state(std::string_view bytes, std::vector<task>& out,
                               std::uint64_t& position) {
  event_reader r(bytes);
  std::uint64_t n = 0;
  if (!r.u64("tasks.position", position) || !r.u64("tasks.count", n)) return r.error();
  if (n > bytes.size() / min_task_bytes)
    return fmt::format("tasks.count: {} tasks cannot fit in {} bytes", n, bytes.size());
  out.clear();
  out.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    task t;
    std::uint8_t status = 0;
    if (!r.u64("task.id", t.id) || !r.str("task.title", t.title) || !r.u8("task.status", status) ||
        !r.u64("task.created_ns", t.created_ns) || !r.u64("task.updated_ns", t.updated_ns))
      return fmt::format("task {}: {}", i, r.error());
    if (status > 1) return fmt::format("task {}: task.status: unknown value {}", i, status);
    t.status = static_cast<task_status>(status);
    out.push_back(std::move(t));
  }
  if (!r.done()) return r.error();
  return {};
}

std::string decode_memories_state(std::string_view bytes, std::vector<memory>& out,
                                  std::uint64_t& position) {
  event_reader r(bytes);
  std::uint64_t n = 0;
  if (!r.u64("memories.position", position) || !r.u64("memories.count", n)) return r.error();
  if (n > bytes.size() / min_memory_bytes)
    return fmt::format("memories.count: {} memories cannot fit in {} bytes", n, bytes.size());
  out.clear();
  out.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    memory m;
    std::uint8_t pinned = 0;
    if (!r.u64("memory.id", m.id) || !r.str("memory.content", m.content) ||
        !r.strs("memory.tags", m.tags) || !r.str("memory.source", m.source) ||
        !r.u64("memory.created_ns", m.created_ns) || !r.u64("memory.updated_ns", m.updated_ns) ||
        !r.u8("memory.pinned", pinned))
      return fmt::format("memory {}: {}", i, r.error());
    if (pinned > 1) return fmt::format("memory {}: memory.pinned: unknown value {}", i, pinned);
    m.pinned = pinned == 1;
    out.push_back(std::move(m));
  }
  if (!r.done()) return r.error();
  return {};
}

}  // namespace neuromesh::cortex::detail
