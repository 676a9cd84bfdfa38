// GET /tools and GET /tools/{name}: the grouped view of §3.2, served from the cache.
#include "errors.h"
#include "routes.h"

namespace neuromesh::catalog::detail {

response list_tools(route_env& env, const parsed_target& t) {
  auto active = active_param(t, true);
  if (auto* r = std::get_if<response>(&active)) return std::move(*r);
  return json_response(200, env.table.tools(std::get<bool>(active), env.now)->list_body);
}

response get_tool(route_env& env, const std::string& name, const parsed_target& t) {
  auto active = active_param(t, true);
  if (auto* r = std::get_if<response>(&active)) return std::move(*r);
  auto view = env.table.tools(std::get<bool>(active), env.now);
  auto it = view->by_name.find(name);
  if (it == view->by_name.end()) return error_response(errc::tool_not_found);
  return json_response(200, it->second);
}

}  // namespace neuromesh::catalog::detail
