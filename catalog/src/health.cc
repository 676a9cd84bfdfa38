// GET /health: liveness only, as in the reference; a static body, no locks.
#include "errors.h"
#include "routes.h"

namespace neuromesh::catalog::detail {

response health() {
  static const auto body = std::make_shared<const std::string>(R"({"status":"ok"})");
  return json_response(200, body);
}

}  // namespace neuromesh::catalog::detail
