// GET /hosts: one row per distinct (host, name), first record wins (§2.2).
#include "errors.h"
#include "routes.h"

#include <boost/json/serialize.hpp>

namespace neuromesh::catalog::detail {

response list_hosts(route_env& env, const parsed_target& t) {
  auto active = active_param(t, true);
  if (auto* r = std::get_if<response>(&active)) return std::move(*r);
  boost::json::array arr;
  for (const auto& h : *env.table.hosts(std::get<bool>(active), env.now)) {
    boost::json::object o;
    o["host"] = h.host;
    o["name"] = h.name;
    o["instance_id"] = h.instance_id;
    o["version"] = h.version;
    o["tool_count"] = h.tool_count;
    arr.push_back(std::move(o));
  }
  return json_response(200, boost::json::serialize(arr));
}

}  // namespace neuromesh::catalog::detail
