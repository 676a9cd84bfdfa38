#pragma once
// What the dendrite sets on the Pathways it opens (layer-internal).

#include "neuromesh/runtime/pathway.h"

#include <memory>

namespace neuromesh::runtime::detail {

class deadline_queue;

struct pathway_access {
  /// The timed waits of pw share q's timer (the dendrite's queue).
  static void use_deadlines(pathway& pw, std::shared_ptr<deadline_queue> q) {
    pw.deadlines_ = std::move(q);
  }
  /// fn(owner, pw) is called first when pw closes, if owner is still alive (the dendrite
  /// forgets it; before the on_close callbacks).
  static void on_forget(pathway& pw, std::weak_ptr<void> owner,
                        void (*fn)(const std::shared_ptr<void>&, const pathway&)) {
    pw.forget_ = fn;
    pw.forget_owner_ = std::move(owner);
  }
  /// Makes a closed Pathway that nobody else holds like a new originator Pathway for trace,
  /// keeping its buffers (the dendrite reuses dispatch_and_wait's private Pathways).
  static void reopen(pathway& pw, const protocol::trace_id& trace, scope s) {
    pw.trace_ = trace;
    pw.scope_ = s;
    pw.kind_ = pathway::kind::originator;
    pw.closed_ = false;
    pw.log_.clear();
    pw.next_ = 0;
    pw.callbacks_.clear();
    pw.on_close_.clear();
  }
};

}  // namespace neuromesh::runtime::detail
