#pragma once
// TASK routing (reference/cosmonapse.md §4.7), sans-I/O: which hosted Axon acts on a TASK.
//   addressed  directed.id set        -> the Axon with that id, or nobody (every dendrite
//                                        sees every addressed TASK; exactly one acts)
//   routed     no id, capabilities    -> the first Axon (attach order) whose caps ⊇ them
//   open       neither                -> the first Axon with catch_all

#include "neuromesh/protocol/signal.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace neuromesh::runtime {

class axon;

enum class task_route { addressed, routed, open };

struct task_target {
  task_route route = task_route::open;
  std::optional<std::size_t> index;  ///< into the hosted list; nullopt = not for us
};

/// capabilities = the TASK's payload.capabilities (already parsed).
task_target route_task(const std::vector<std::shared_ptr<axon>>& hosted,
                       const protocol::signal& task, const std::vector<std::string>& capabilities);

}  // namespace neuromesh::runtime
