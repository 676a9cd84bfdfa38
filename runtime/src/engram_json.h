#pragma once
// JSON as the Python SDK's Engram writes it, and the merge rules of op=merge (reference §6.3).

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::runtime::detail {

/// Python's json.dumps(v) with its defaults: ", " and ": " separators, non-ASCII as \uXXXX
/// (surrogate pairs, lowercase hex), floats as repr() (1.0, 1e-05, 1e+16), NaN/Infinity.
/// What the reference stores in engram_entries.content/tags/meta, so rows written by either
/// side are byte-identical.
std::string python_dumps(const boost::json::value& v);
void append_python_dumps(std::string& out, const boost::json::value& v);

/// Python's repr() of a str: single quotes unless the text holds ' and no ", backslash
/// escapes for the quote, \\, \n, \r, \t and other control characters (\xNN); other
/// characters raw. (Receipt errors quote merge keys this way, as the reference does.)
std::string python_repr(std::string_view s);

/// The reference's _deep_merge: objects merged key by key (recursively), arrays concatenated
/// dropping repeated items (by their JSON text, so 1 and 1.0 differ), any other incoming
/// value replaces, a null incoming keeps base.
boost::json::value deep_merge(const boost::json::value& base, const boost::json::value& incoming);

/// Old tags then new ones, each once.
std::vector<std::string> union_tags(const std::vector<std::string>& old_tags,
                                    const std::vector<std::string>& new_tags);

/// ASCII letters to lower case; other bytes unchanged.
std::string ascii_lower(std::string_view s);

/// The text-recall needle as it appears in python_dumps() text: ASCII lower-cased, every
/// non-ASCII character as its lowercase \uXXXX escape (pairs above U+FFFF). Quotes and
/// backslashes stay raw, as the reference matches the needle against JSON syntax too.
/// nullopt when text is not valid UTF-8.
std::optional<std::string> dumps_needle(std::string_view text);

/// Number of Unicode characters in valid UTF-8 text (bytes that are not continuation bytes).
std::size_t utf8_length(std::string_view s) noexcept;

/// A JSON array of strings, decoded; nullopt for anything else.
std::optional<std::vector<std::string>> decode_string_array(std::string_view json);

}  // namespace neuromesh::runtime::detail
