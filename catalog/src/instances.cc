// POST/GET /instances, GET/DELETE /instances/{id}, heartbeat and tools updates (§2.1).
#include "bodies.h"
#include "errors.h"
#include "routes.h"

namespace neuromesh::catalog::detail {
namespace {

std::shared_ptr<const std::string> fixed(std::string_view text) {
  return std::make_shared<const std::string>(text);
}

const std::shared_ptr<const std::string>& status_ok() {
  static const auto body = fixed(R"({"status":"ok"})");
  return body;
}

response outcome_response(write_outcome o, unsigned success_status) {
  switch (o) {
    case write_outcome::ok:
      return json_response(success_status, status_ok());
    case write_outcome::not_found:
      return error_response(errc::instance_not_found);
    case write_outcome::deregistered:
      return error_response(errc::deregistered);
    case write_outcome::store_failed:
      return error_response(errc::store_failed);
  }
  return error_response(errc::store_failed);
}

// The response to a write: sent once the write committed (else 503). A write that settled
// already (the memory store) is answered at once.
response written(write_result w, unsigned success_status) {
  auto r = outcome_response(w.outcome, success_status);
  if (w.outcome != write_outcome::ok || !w.pending) return r;
  if (w.pending->settled()) {
    return w.pending->ok() ? r : outcome_response(write_outcome::store_failed, success_status);
  }
  r.pending = std::move(w.pending);
  return r;
}

}  // namespace

std::variant<bool, response> active_param(const parsed_target& t, bool fallback) {
  auto raw = t.param("active");
  if (!raw) return fallback;
  if (auto b = parse_bool(*raw)) return *b;
  return validation_response({{boost::json::array{"query", "active"},
                               "Input should be a valid boolean, unable to interpret input",
                               "bool_parsing", boost::json::string(*raw)}});
}

response register_instance(route_env& env, const request& req) {
  auto decoded = decode_register(req.body, env.options.max_tools);
  if (auto* errors = std::get_if<std::vector<field_error>>(&decoded)) {
    return validation_response(*errors);
  }
  if (auto limited = env.admit()) return std::move(*limited);
  auto& body = std::get<register_body>(decoded);
  return written(env.table.register_instance(body.instance_id, std::move(body.fields), env.now),
                 201);
}

response heartbeat(route_env& env, const std::string& id, const request& req) {
  static const auto ack = fixed(R"({"status":"ack"})");
  static const auto refresh = fixed(R"({"status":"refresh"})");
  auto decoded = decode_heartbeat(req.body, env.options.max_tools);
  if (auto* errors = std::get_if<std::vector<field_error>>(&decoded)) {
    return validation_response(*errors);
  }
  if (auto limited = env.admit()) return std::move(*limited);
  auto& body = std::get<heartbeat_body>(decoded);
  auto result = env.table.heartbeat(id, std::move(body.fields), body.generation, env.now);
  if (result.outcome != write_outcome::ok) return outcome_response(result.outcome, 200);
  if (result.pending && result.pending->settled()) {
    if (!result.pending->ok()) return outcome_response(write_outcome::store_failed, 200);
    result.pending.reset();
  }
  auto r = json_response(200, result.refresh ? refresh : ack);
  r.pending = std::move(result.pending);
  return r;
}

response update_tools(route_env& env, const std::string& id, const request& req) {
  auto decoded = decode_tools(req.body, env.options.max_tools);
  if (auto* errors = std::get_if<std::vector<field_error>>(&decoded)) {
    return validation_response(*errors);
  }
  if (auto limited = env.admit()) return std::move(*limited);
  auto& body = std::get<tools_body>(decoded);
  return written(env.table.set_tools(id, std::move(body.tools), env.now), 200);
}

response deregister(route_env& env, const std::string& id) {
  if (auto limited = env.admit()) return std::move(*limited);
  return written(env.table.deregister(id, env.now), 200);
}

response list_instances(route_env& env, const parsed_target& t) {
  // The reference lists every record by default (active=false means "do not filter").
  auto active = active_param(t, false);
  if (auto* r = std::get_if<response>(&active)) return std::move(*r);
  return json_response(200, env.table.instances_body(std::get<bool>(active), env.now));
}

response get_instance(route_env& env, const std::string& id) {
  auto body = env.table.instance_body(id, env.now);
  if (!body) return error_response(errc::instance_not_found);
  return json_response(200, std::move(*body));
}

}  // namespace neuromesh::catalog::detail
