#pragma once
// The capabilities column: a JSON array of strings, written byte-for-byte as Python's
// json.dumps writes it (", " separators, ensure_ascii escapes) so files stay identical
// whichever side wrote them; read with any valid JSON spelling.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::registry::detail {

/// `["a", "caf\u00e9"]` — json.dumps(list_of_str) with default arguments.
std::string encode_capabilities(const std::vector<std::string>& capabilities);

/// The strings of a JSON array; empty text reads as []; nullopt when text is not an
/// array of strings.
std::optional<std::vector<std::string>> decode_capabilities(std::string_view text);

}  // namespace neuromesh::registry::detail
