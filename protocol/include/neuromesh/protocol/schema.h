#pragma once
// JSON Schema of the Signal envelope: the schema pydantic generates for the Python SDK's
// Signal model (what `cosmo schema` prints), the machine-readable contract for third-party
// implementers. The SignalType enum lists every type neuromesh decodes (THOUGHT_DELTA and
// AUDIT both).

#include <boost/json/object.hpp>

#include <string>

namespace neuromesh::protocol {

boost::json::object signal_json_schema();
/// Formatted as Python's json.dumps(schema, indent=2), with a trailing newline.
std::string signal_json_schema_text();
/// Python json.dumps(indent=2) formatting of any value (ASCII keys and strings assumed).
std::string pretty_json(const boost::json::value& v);

}  // namespace neuromesh::protocol
