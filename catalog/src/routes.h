#pragma once
// Route handlers, one file per resource (instances.cc, tools.cc, hosts.cc, health.cc,
// exports.cc), each a plain function from the parsed request to a response. service.cc
// matches the path and checks the API key; a write route validates its body, then calls
// env.admit (the route's rate-limit budget, counted only for requests that got this far,
// as the reference's limiter does) before it writes.
//
// Route table (README.md has it too):
//   GET    /health                          health.cc
//   GET    /metrics                         service.cc (metrics.cc renders)
//   GET    /instances?active=               instances.cc
//   POST   /instances                       instances.cc   (write: key, 60/min)
//   GET    /instances/{id}                  instances.cc
//   DELETE /instances/{id}                  instances.cc   (write: key, 60/min)
//   POST   /instances/{id}/heartbeat        instances.cc   (write: key, 120/min)
//   POST   /instances/{id}/tools            instances.cc   (write: key, 60/min)
//   GET    /tools?active=                   tools.cc
//   GET    /tools/{name}?active=            tools.cc
//   GET    /hosts?active=                   hosts.cc
//   GET    /export/superputty?user=         exports.cc
//   GET    /export/mobaxterm?user=          exports.cc
//   GET    /neurons?capability=&include_deregistered=   service.cc (registry layer)

#include "instance_table.h"
#include "neuromesh/catalog/http_message.h"
#include "neuromesh/catalog/service.h"
#include "target.h"

#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace neuromesh::catalog::detail {

struct route_env {
  instance_table& table;
  const service_options& options;
  wall_time now;
  /// Counts the request against its route's budget: a 429 response when over it.
  std::function<std::optional<response>()> admit;
};

response register_instance(route_env& env, const request& req);
response heartbeat(route_env& env, const std::string& id, const request& req);
response update_tools(route_env& env, const std::string& id, const request& req);
response deregister(route_env& env, const std::string& id);
response list_instances(route_env& env, const parsed_target& t);
response get_instance(route_env& env, const std::string& id);

response list_tools(route_env& env, const parsed_target& t);
response get_tool(route_env& env, const std::string& name, const parsed_target& t);

response list_hosts(route_env& env, const parsed_target& t);
response export_superputty(route_env& env, const parsed_target& t);
response export_mobaxterm(route_env& env, const parsed_target& t);

response health();

/// Reads ?active= with its default; a 422 response when the value is not a boolean.
std::variant<bool, response> active_param(const parsed_target& t, bool fallback);

}  // namespace neuromesh::catalog::detail
