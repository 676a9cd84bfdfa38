#pragma once
// Decoding and validation of the write bodies. Every invalid field is reported with its
// location, in the FastAPI/Pydantic v2 shape a runspec client already understands.
// Decoders of outside input: fuzzed in tests/bodies_test.cc.

#include "errors.h"
#include "instance_table.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace neuromesh::catalog::detail {

struct register_body {
  std::string instance_id;
  registration fields;
};

struct heartbeat_body {
  std::optional<registration> fields;  ///< set when name, version and host are all present
  std::optional<std::int64_t> generation;
};

struct tools_body {
  boost::json::array tools;
};

template <class T>
using decoded = std::variant<T, std::vector<field_error>>;

/// POST /instances: {instance_id, name, version, host} required; optional
/// heartbeat_interval (seconds, > 0), generation (integer), tools (list of objects).
decoded<register_body> decode_register(const std::optional<std::string>& body,
                                       std::size_t max_tools);
/// POST /instances/{id}/heartbeat: no body, {} or {system?, generation?, name?, version?,
/// host?, heartbeat_interval?, tools?}.
decoded<heartbeat_body> decode_heartbeat(const std::optional<std::string>& body,
                                         std::size_t max_tools);
/// POST /instances/{id}/tools: {tools: [object, ...]}.
decoded<tools_body> decode_tools(const std::optional<std::string>& body, std::size_t max_tools);

}  // namespace neuromesh::catalog::detail
