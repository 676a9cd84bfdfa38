#include "neuromesh/runtime/task_router.h"

#include "neuromesh/runtime/axon.h"

namespace neuromesh::runtime {

task_target route_task(const std::vector<std::shared_ptr<axon>>& hosted,
                       const protocol::signal& task, const std::vector<std::string>& capabilities) {
  task_target t;
  if (task.directed && task.directed->id && !task.directed->id->empty()) {
    t.route = task_route::addressed;
    for (std::size_t i = 0; i < hosted.size(); ++i)
      if (hosted[i]->neuron_id() == *task.directed->id) t.index = i;
    return t;
  }
  if (!capabilities.empty()) {
    t.route = task_route::routed;
    for (std::size_t i = 0; i < hosted.size() && !t.index; ++i)
      if (hosted[i]->covers(capabilities)) t.index = i;
    return t;
  }
  t.route = task_route::open;
  for (std::size_t i = 0; i < hosted.size() && !t.index; ++i)
    if (hosted[i]->catch_all()) t.index = i;
  return t;
}

}  // namespace neuromesh::runtime
