#include "neuromesh/protocol/raw_object.h"

#include "json_reader.h"
#include "neuromesh/protocol/json_text.h"

#include <boost/json.hpp>

namespace neuromesh::protocol {
namespace {

// Skips one canonical (compact, valid) value starting at i; returns the index after it.
std::size_t skip_canonical(std::string_view t, std::size_t i) noexcept {
  int depth = 0;
  bool in_string = false;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      if (!in_string && depth == 0) return i + 1;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        if (depth == 0) return i;  // end of the enclosing container
        if (--depth == 0) return i + 1;
        break;
      case ',':
        if (depth == 0) return i;
        break;
      default:
        break;
    }
  }
  return i;
}

}  // namespace

void append_json_value(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out.append("null");
      break;
    case boost::json::kind::bool_:
      out.append(v.get_bool() ? "true" : "false");
      break;
    case boost::json::kind::int64:
      append_json_int(out, v.get_int64());
      break;
    case boost::json::kind::uint64:
      out.append(std::to_string(v.get_uint64()));
      break;
    case boost::json::kind::double_:
      append_json_float(out, v.get_double());
      break;
    case boost::json::kind::string:
      append_json_string(out, v.get_string());
      break;
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_value(out, e);
      }
      out.push_back(']');
      break;
    }
    case boost::json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, kv.key());
        out.push_back(':');
        append_json_value(out, kv.value());
      }
      out.push_back('}');
      break;
    }
  }
}

raw_object::raw_object(const boost::json::object& obj) {
  // The object case of append_json_value, without copying obj into a json::value first.
  text_.clear();
  text_.push_back('{');
  bool first = true;
  for (const auto& kv : obj) {
    if (!first) text_.push_back(',');
    first = false;
    append_json_string(text_, kv.key());
    text_.push_back(':');
    append_json_value(text_, kv.value());
  }
  text_.push_back('}');
}

std::optional<raw_object> raw_object::parse(std::string_view json, std::string* why) {
  detail::json_reader reader(json);
  std::string out;
  out.reserve(json.size());
  auto kind = reader.next_kind();
  if (kind != detail::json_kind::object) {
    if (why) *why = "expected object, got " + std::string(detail::kind_name(kind));
    return std::nullopt;
  }
  if (!reader.read_object(out, 0) || !reader.at_end()) {
    if (why)
      *why = std::string("invalid JSON at offset ") + std::to_string(reader.error_offset()) + ": " +
             (reader.error() ? reader.error() : "unexpected characters after the object");
    return std::nullopt;
  }
  return raw_object(std::move(out), 0);
}

boost::json::object raw_object::to_json() const { return boost::json::parse(text_).as_object(); }

std::optional<std::string_view> raw_object::find(std::string_view key) const noexcept {
  std::string_view t = text_;
  std::size_t i = 1;  // after '{'
  while (i < t.size() && t[i] == '"') {
    std::size_t key_end = skip_canonical(t, i);
    std::string_view k = t.substr(i + 1, key_end - i - 2);
    std::size_t value_begin = key_end + 1;  // after ':'
    std::size_t value_end = skip_canonical(t, value_begin);
    // Keys needing escapes compare by their escaped text; callers use plain ASCII keys.
    if (k == key) return t.substr(value_begin, value_end - value_begin);
    i = value_end + 1;  // after ','
  }
  return std::nullopt;
}

bool raw_object::truthy(std::string_view key) const noexcept {
  auto v = find(key);
  if (!v) return false;
  return !(*v == "null" || *v == "false" || *v == "0" || *v == "0.0" || *v == "-0.0" ||
           *v == "\"\"" || *v == "[]" || *v == "{}");
}

}  // namespace neuromesh::protocol
