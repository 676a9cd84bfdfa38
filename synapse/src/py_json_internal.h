#pragma once
// The portable scalar path of py_json.cc's string codec. The public functions in py_json.h
// scan 16 bytes at a time with SSE2 where the target has it (every x86-64) and use this
// path elsewhere; it is exposed so the tests prove both paths agree with Python's output
// and the benchmark times both on the same machine.

#include <cstddef>
#include <string>
#include <string_view>

namespace neuromesh::synapse::detail::py_json_scalar {

/// Same contract as detail::append_py_string.
void append_py_string(std::string& out, std::string_view s);
/// Same contract as detail::py_canonical_string_size.
std::size_t py_canonical_string_size(std::string_view text, bool& has_escapes) noexcept;
/// Same contract as detail::append_py_unescaped.
void append_py_unescaped(std::string& out, std::string_view canonical_quoted);

}  // namespace neuromesh::synapse::detail::py_json_scalar
