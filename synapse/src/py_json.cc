#include "neuromesh/synapse/py_json.h"

#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace neuromesh::synapse::detail {
namespace {

// Python's float repr: shortest round-trip digits, scientific when the exponent is < -4 or
// >= 16, always with a ".0" or an exponent so it reads back as a float.
void append_py_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-Infinity" : "Infinity";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, r.ptr - buf);  // e.g. -1.2345e+05
  auto epos = sci.find('e');
  int exp = std::stoi(std::string(sci.substr(epos + 1)));
  std::string_view mant = sci.substr(0, epos);
  bool neg = !mant.empty() && mant[0] == '-';
  if (neg) mant.remove_prefix(1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  if (neg) out += '-';
  if (exp < -4 || exp >= 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += e;
  } else if (exp < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exp - 1), '0');
    out += digits;
  } else {
    auto int_len = static_cast<std::size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out += digits;
      out.append(int_len - digits.size(), '0');
      out += ".0";
    } else {
      out.append(digits, 0, int_len);
      out += '.';
      out.append(digits, int_len);
    }
  }
}

}  // namespace

void append_py_value(std::string& out, const boost::json::value& v, py_separators separators) {
  const std::string_view item_sep = separators == py_separators::compact ? "," : ", ";
  const std::string_view key_sep = separators == py_separators::compact ? ":" : ": ";
  switch (v.kind()) {
    case boost::json::kind::null:
      out += "null";
      break;
    case boost::json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case boost::json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case boost::json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case boost::json::kind::double_:
      append_py_double(out, v.get_double());
      break;
    case boost::json::kind::string:
      append_py_string(out, v.get_string());
      break;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += item_sep;
        first = false;
        append_py_value(out, e, separators);
      }
      out += ']';
      break;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += item_sep;
        first = false;
        append_py_string(out, kv.key());
        out += key_sep;
        append_py_value(out, kv.value(), separators);
      }
      out += '}';
      break;
    }
  }
}

std::string py_value(const boost::json::value& v, py_separators separators) {
  std::string out;
  append_py_value(out, v, separators);
  return out;
}

std::string py_repr(const boost::json::value* v) {
  if (v == nullptr || v->is_null()) return "None";
  if (v->is_bool()) return v->get_bool() ? "True" : "False";
  if (!v->is_string()) return py_value(*v);
  std::string_view s = v->get_string();
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == quote || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

bool py_truthy(const boost::json::value* v) noexcept {
  if (v == nullptr) return false;
  switch (v->kind()) {
    case boost::json::kind::null:
      return false;
    case boost::json::kind::bool_:
      return v->get_bool();
    case boost::json::kind::int64:
      return v->get_int64() != 0;
    case boost::json::kind::uint64:
      return v->get_uint64() != 0;
    case boost::json::kind::double_:
      return v->get_double() != 0.0;
    case boost::json::kind::string:
      return !v->get_string().empty();
    case boost::json::kind::array:
      return !v->get_array().empty();
    case boost::json::kind::object:
      return !v->get_object().empty();
  }
  return false;
}

}  // namespace neuromesh::synapse::detail
