#pragma once
// A JSON object held as canonical compact text: exactly the bytes the Python SDK would write
// for it (key order kept, no whitespace, raw UTF-8, pydantic-core number formatting). Used for
// Signal payload and meta so that a forwarded Signal is never re-serialised and integers of
// any size round-trip exactly.

#include <boost/json/fwd.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace neuromesh::protocol {

class raw_object {
 public:
  raw_object() = default;  ///< {}
  /// Serialises obj with the wire rules (floats as pydantic-core writes them).
  explicit raw_object(const boost::json::object& obj);

  /// Trusted constructor: text must already be canonical compact JSON of an object.
  static raw_object from_canonical(std::string text) { return raw_object(std::move(text), 0); }
  /// Validates any JSON object text and canonicalises it (the decoder's rules). On failure
  /// returns nullopt and, if why is given, the reason.
  static std::optional<raw_object> parse(std::string_view json, std::string* why = nullptr);

  const std::string& text() const noexcept { return text_; }
  bool empty() const noexcept { return text_.size() <= 2; }
  /// Parses the text. Integers beyond 64 bits become doubles in boost::json.
  boost::json::object to_json() const;

  /// The canonical text of the value of a top-level key, without parsing the rest; nullopt
  /// when the key is absent. E.g. find("capabilities") -> `["a","b"]`.
  std::optional<std::string_view> find(std::string_view key) const noexcept;
  /// Python truthiness of a top-level value: absent, null, false, 0, 0.0, "", [], {} are
  /// falsy.
  bool truthy(std::string_view key) const noexcept;

  friend bool operator==(const raw_object&, const raw_object&) = default;

 private:
  raw_object(std::string text, int) : text_(std::move(text)) {}
  std::string text_ = "{}";
};

/// Appends the wire form of any JSON value (used for builder payloads).
void append_json_value(std::string& out, const boost::json::value& v);

}  // namespace neuromesh::protocol
