#include "bodies.h"

#include <boost/json/parse.hpp>

#include <cmath>

namespace neuromesh::catalog::detail {
namespace {

namespace json = boost::json;

// Longest heartbeat interval a client may declare (a day): beyond that an instance
// would never go stale in practice.
constexpr double max_interval_seconds = 86'400;

field_error error_at(json::array loc, std::string type, std::string msg, json::value input) {
  return {std::move(loc), std::move(msg), std::move(type), std::move(input)};
}

json::array loc_of(std::string_view field) { return json::array{"body", field}; }

// Parses the body into an object, or records why it cannot be one.
std::optional<json::object> parse_object(const std::optional<std::string>& body,
                                         std::vector<field_error>& errors) {
  if (!body) {
    errors.push_back(error_at(json::array{"body"}, "missing", "Field required", nullptr));
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto v = json::parse(*body, ec);
  if (ec) {
    errors.push_back(error_at(json::array{"body", 0}, "json_invalid",
                              "JSON decode error: " + ec.message(), json::object{}));
    return std::nullopt;
  }
  if (!v.is_object()) {
    errors.push_back(error_at(json::array{"body"}, "model_attributes_type",
                              "Input should be a valid dictionary or object to extract fields from",
                              v));
    return std::nullopt;
  }
  return std::move(v.get_object());
}

std::optional<std::string> string_field(const json::object& o, std::string_view key, bool required,
                                        std::vector<field_error>& errors) {
  auto it = o.find(key);
  if (it == o.end() || (!required && it->value().is_null())) {
    if (required) errors.push_back(error_at(loc_of(key), "missing", "Field required", o));
    return std::nullopt;
  }
  if (!it->value().is_string()) {
    errors.push_back(
        error_at(loc_of(key), "string_type", "Input should be a valid string", it->value()));
    return std::nullopt;
  }
  return std::string(it->value().get_string());
}

std::optional<std::chrono::milliseconds> interval_field(const json::object& o,
                                                        std::vector<field_error>& errors) {
  auto it = o.find("heartbeat_interval");
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  const auto& v = it->value();
  if (!v.is_number() || v.is_bool()) {
    errors.push_back(
        error_at(loc_of("heartbeat_interval"), "float_type", "Input should be a valid number", v));
    return std::nullopt;
  }
  double seconds = v.to_number<double>();
  if (!(seconds > 0) || !std::isfinite(seconds)) {
    errors.push_back(error_at(loc_of("heartbeat_interval"), "greater_than",
                              "Input should be greater than 0", v));
    return std::nullopt;
  }
  if (seconds > max_interval_seconds) {
    errors.push_back(error_at(loc_of("heartbeat_interval"), "less_than_equal",
                              "Input should be less than or equal to 86400", v));
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

std::optional<std::int64_t> generation_field(const json::object& o,
                                             std::vector<field_error>& errors) {
  auto it = o.find("generation");
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  const auto& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  errors.push_back(
      error_at(loc_of("generation"), "int_type", "Input should be a valid integer", v));
  return std::nullopt;
}

std::optional<json::array> tools_field(const json::object& o, bool required, std::size_t max_tools,
                                       std::vector<field_error>& errors) {
  auto it = o.find("tools");
  if (it == o.end() || (!required && it->value().is_null())) {
    if (required) errors.push_back(error_at(loc_of("tools"), "missing", "Field required", o));
    return std::nullopt;
  }
  if (!it->value().is_array()) {
    errors.push_back(
        error_at(loc_of("tools"), "list_type", "Input should be a valid list", it->value()));
    return std::nullopt;
  }
  const auto& arr = it->value().get_array();
  bool ok = true;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_object()) {
      errors.push_back(error_at(json::array{"body", "tools", i}, "dict_type",
                                "Input should be a valid dictionary", arr[i]));
      ok = false;
    }
  }
  if (arr.size() > max_tools) {
    errors.push_back(error_at(loc_of("tools"), "too_long",
                              "List should have at most " + std::to_string(max_tools) + " items",
                              static_cast<std::uint64_t>(arr.size())));
    ok = false;
  }
  if (!ok) return std::nullopt;
  return arr;
}

}  // namespace

decoded<register_body> decode_register(const std::optional<std::string>& body,
                                       std::size_t max_tools) {
  std::vector<field_error> errors;
  auto o = parse_object(body, errors);
  if (!o) return errors;
  register_body out;
  auto id = string_field(*o, "instance_id", true, errors);
  auto name = string_field(*o, "name", true, errors);
  auto version = string_field(*o, "version", true, errors);
  auto host = string_field(*o, "host", true, errors);
  out.fields.heartbeat_interval = interval_field(*o, errors);
  out.fields.generation = generation_field(*o, errors);
  out.fields.tools = tools_field(*o, false, max_tools, errors);
  if (!errors.empty()) return errors;
  out.instance_id = std::move(*id);
  out.fields.name = std::move(*name);
  out.fields.version = std::move(*version);
  out.fields.host = std::move(*host);
  return out;
}

decoded<heartbeat_body> decode_heartbeat(const std::optional<std::string>& body,
                                         std::size_t max_tools) {
  heartbeat_body out;
  // The reference's own client sends no body by default (§13 bug A): accept it.
  if (!body || body->find_first_not_of(" \t\r\n") == std::string::npos) return out;
  std::vector<field_error> errors;
  auto o = parse_object(body, errors);
  if (!o) return errors;
  if (auto it = o->find("system");
      it != o->end() && !it->value().is_null() && !it->value().is_object()) {
    errors.push_back(
        error_at(loc_of("system"), "dict_type", "Input should be a valid dictionary", it->value()));
  }
  out.generation = generation_field(*o, errors);
  auto name = string_field(*o, "name", false, errors);
  auto version = string_field(*o, "version", false, errors);
  auto host = string_field(*o, "host", false, errors);
  auto interval = interval_field(*o, errors);
  auto tools = tools_field(*o, false, max_tools, errors);
  if (!errors.empty()) return errors;
  if (name && version && host) {
    registration r;
    r.name = std::move(*name);
    r.version = std::move(*version);
    r.host = std::move(*host);
    r.heartbeat_interval = interval;
    r.generation = out.generation;
    r.tools = std::move(tools);
    out.fields = std::move(r);
  }
  return out;
}

decoded<tools_body> decode_tools(const std::optional<std::string>& body, std::size_t max_tools) {
  std::vector<field_error> errors;
  auto o = parse_object(body, errors);
  if (!o) return errors;
  auto tools = tools_field(*o, true, max_tools, errors);
  if (!errors.empty()) return errors;
  return tools_body{std::move(*tools)};
}

}  // namespace neuromesh::catalog::detail
