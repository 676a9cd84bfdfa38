#pragma once
// Writing JSON exactly as Python's json.dumps(obj, separators=(",", ":")) does with its
// default ensure_ascii=True: every character outside 0x20..0x7e is escaped, non-BMP
// characters as a surrogate pair, hex digits in lowercase, floats as repr() (1.0, 1e-05,
// NaN). The cosmo:// wire protocol is defined by that function (reference/cosmonapse.md
// §3.4), so every line the broker writes goes through here; the Engram's SQL backends use
// the same writer with json.dumps' default ", " / ": " separators (reference §6.4).

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>

namespace neuromesh::synapse::detail {

/// Appends s (valid UTF-8) as a quoted, escaped JSON string. Invalid UTF-8 bytes are
/// written as \ufffd, which Python could never have produced from a str.
void append_py_string(std::string& out, std::string_view s);
/// Same, returned.
std::string py_string(std::string_view s);
/// json.dumps' separators: compact (",", ":") as on the wire, or its default (", ", ": ").
enum class py_separators { compact, spaced };
/// Appends any JSON value in Python's form (objects keep their key order).
void append_py_value(std::string& out, const boost::json::value& v,
                     py_separators separators = py_separators::compact);
std::string py_value(const boost::json::value& v,
                     py_separators separators = py_separators::compact);
/// Python's repr() of a JSON value as it appears in the reference's error messages
/// ('x' for a string, None, True, 5).
std::string py_repr(const boost::json::value* v);
/// If text starts with a quoted JSON string written exactly as append_py_string would
/// write it (so decoding and re-encoding it is the identity), the length of that quoted
/// string including both quotes; else 0. \u escapes of surrogates are never canonical here
/// (the caller falls back to a full parse). Sets has_escapes when it contains a backslash.
std::size_t py_canonical_string_size(std::string_view text, bool& has_escapes) noexcept;
/// The value of a quoted string that py_canonical_string_size accepted (quotes included),
/// appended to out as UTF-8. Undefined for any other input.
void append_py_unescaped(std::string& out, std::string_view canonical_quoted);
/// Python's truthiness of a JSON value (null, "", 0, false, [], {} are false).
bool py_truthy(const boost::json::value* v) noexcept;

}  // namespace neuromesh::synapse::detail
