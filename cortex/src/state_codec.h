#pragma once
// Decoders of the per-model state sections of a NetDb snapshot bundle (the encoders are
// tasks_adapter::encode_state and memories_adapter::encode_state). Each section is an
// event_codec frame (meta with checksum) whose body is the fold position, a count and the
// records. A failure names the field.

#include "neuromesh/cortex/memories.h"
#include "neuromesh/cortex/tasks.h"

#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::cortex::detail {

/// Empty on success, else what was wrong.
std::string decode_tasks_state(std::string_view bytes, std::vector<task>& out,
                               std::uint64_t& position);
std::string decode_memories_state(std::string_view bytes, std::vector<memory>& out,
                                  std::uint64_t& position);

}  // namespace neuromesh::cortex::detail
