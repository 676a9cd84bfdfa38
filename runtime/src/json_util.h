#pragma once
// Small JSON helpers shared by the runtime's sources (layer-internal).

#include "neuromesh/protocol/raw_object.h"
#include "neuromesh/protocol/signal.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::runtime::detail {

/// Python truthiness: null, false, 0, 0.0, "", [], {} are falsy.
bool truthy(const boost::json::value& v) noexcept;

/// obj[key] as a string, or nullopt when absent or not a string.
std::optional<std::string> string_field(const boost::json::object& obj, std::string_view key);
/// obj[key] as an object, or nullopt when absent or not an object.
const boost::json::object* object_field(const boost::json::object& obj, std::string_view key);

/// A JSON array of strings -> vector (nullopt when v is not such an array).
std::optional<std::vector<std::string>> string_list(const boost::json::value& v);

/// Sorted, de-duplicated copy.
std::vector<std::string> sorted_unique(std::vector<std::string> v);

/// True when every element of wanted is in have.
bool covers(const std::vector<std::string>& have, const std::vector<std::string>& wanted) noexcept;

/// A short rendering of a (bad) value for an error message: its JSON, cut to 60 bytes on a
/// UTF-8 character boundary.
std::string shown(const boost::json::value& v);

/// payload[key] of s, parsed alone (the payload is canonical JSON text, so only that value
/// is parsed, not the whole payload); nullopt when absent or not valid JSON.
std::optional<boost::json::value> payload_value(const protocol::signal& s, std::string_view key);

/// raw_object of a JSON object.
inline protocol::raw_object raw(const boost::json::object& o) { return protocol::raw_object(o); }

}  // namespace neuromesh::runtime::detail
