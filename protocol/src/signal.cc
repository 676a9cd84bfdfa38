#include "neuromesh/protocol/signal.h"

namespace neuromesh::protocol {

bool directed::empty() const noexcept {
  return (!id || id->empty()) && (!type || type->empty()) && capabilities.empty();
}

}  // namespace neuromesh::protocol
