#include "cursor.h"

#include "neuromesh/bus/errc.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace neuromesh::bus::detail {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v =
        (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8) | std::uint8_t(in[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (in.size() - i == 1) {
    std::uint32_t v = std::uint8_t(in[i]) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
  } else if (in.size() - i == 2) {
    std::uint32_t v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
  }
  return out;
}

boost::system::result<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return make_error_code(errc::invalid_cursor);
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int d = decode_char(c);
    if (d < 0) return make_error_code(errc::invalid_cursor);
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero, or the text is not canonical.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return make_error_code(errc::invalid_cursor);
  return out;
}

std::string encode_cursor(const cursor_map& c) {
  boost::json::object o;
  for (const auto& [shard, id] : c.last_id) o[std::to_string(shard)] = id;
  return base64url_encode(boost::json::serialize(o));
}

boost::system::result<cursor_map> decode_cursor(std::string_view text, std::uint16_t shards) {
  cursor_map c;
  if (text.empty()) return c;
  auto raw = base64url_decode(text);
  if (!raw) return raw.error();
  boost::system::error_code ec;
  auto v = boost::json::parse(*raw, ec);
  if (ec || !v.is_object()) return make_error_code(errc::invalid_cursor);
  for (const auto& kv : v.get_object()) {
    std::string_view key = kv.key();
    unsigned shard = 0;
    auto [p, e] = std::from_chars(key.data(), key.data() + key.size(), shard);
    if (e != std::errc() || p != key.data() + key.size() || key.empty() || shard >= shards) {
      return make_error_code(errc::invalid_cursor);
    }
    if (!kv.value().is_string()) return make_error_code(errc::invalid_cursor);
    c.last_id[static_cast<std::uint16_t>(shard)] = std::string(kv.value().get_string());
  }
  return c;
}

}  // namespace neuromesh::bus::detail
