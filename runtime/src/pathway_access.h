#pragma once
// What the dendrite sets on the Pathways it opens (layer-internal).

#include "neuromesh/runtime/pathway.h"

#include <functional>
#include <memory>

namespace neuromesh::runtime::detail {

class deadline_queue;

struct pathway_access {
  /// The timed waits of pw share q's timer (the dendrite's queue).
  static void use_deadlines(pathway& pw, std::shared_ptr<deadline_queue> q) {
    pw.deadlines_ = std::move(q);
  }
  /// Called first when pw closes (the dendrite forgets it; before the on_close callbacks).
  static void on_forget(pathway& pw, std::function<void(const pathway&)> fn) {
    pw.forget_ = std::move(fn);
  }
};

}  // namespace neuromesh::runtime::detail
