#include "neuromesh/protocol/json_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace neuromesh::protocol {
namespace {

// 0 = copy raw, otherwise the character after the backslash ('u' = \u00xx).
constexpr std::array<char, 256> make_escape_table() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}
constexpr std::array<char, 256> escape_table = make_escape_table();

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  const char* p = s.data();
  const char* end = p + s.size();
  const char* run = p;
  for (; p != end; ++p) {
    char e = escape_table[static_cast<unsigned char>(*p)];
    if (e == 0) [[likely]]
      continue;
    out.append(run, p);
    out.push_back('\\');
    out.push_back(e);
    if (e == 'u') {
      static constexpr char hex[] = "0123456789abcdef";
      unsigned char c = static_cast<unsigned char>(*p);
      out.append("00");
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
    run = p + 1;
  }
  out.append(run, end);
  out.push_back('"');
}

void append_json_float(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out.append("null");
    return;
  }
  if (x == 0) {
    out.append(std::signbit(x) ? "-0.0" : "0.0");
    return;
  }
  // Shortest round-trip digits in scientific form: d[.ddd]e±XX.
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  const char* p = buf;
  bool negative = *p == '-';
  if (negative) ++p;
  const char* e = static_cast<const char*>(std::memchr(p, 'e', r.ptr - p));
  char digits[20];
  int n = 0;
  for (const char* q = p; q != e; ++q)
    if (*q != '.') digits[n++] = *q;
  int exp = 0;
  std::from_chars(e + 1 + (e[1] == '+'), r.ptr, exp);
  if (negative) out.push_back('-');
  // Python repr switches to exponent form outside 1e-5 <= |x| < 1e16 (pydantic-core agrees).
  if (exp >= 16 || exp < -5) {
    out.push_back(digits[0]);
    if (n > 1) {
      out.push_back('.');
      out.append(digits + 1, digits + n);
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    char eb[8];
    auto er = std::to_chars(eb, eb + sizeof eb, exp < 0 ? -exp : exp);
    out.append(eb, er.ptr);
  } else if (exp < 0) {
    out.append("0.");
    out.append(static_cast<std::size_t>(-exp - 1), '0');
    out.append(digits, digits + n);
  } else if (n <= exp + 1) {
    out.append(digits, digits + n);
    out.append(static_cast<std::size_t>(exp + 1 - n), '0');
    out.append(".0");
  } else {
    out.append(digits, digits + exp + 1);
    out.push_back('.');
    out.append(digits + exp + 1, digits + n);
  }
}

void append_json_int(std::string& out, std::int64_t x) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

}  // namespace neuromesh::protocol
