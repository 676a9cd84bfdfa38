#include "neuromesh/bus/envelope.h"

#include "neuromesh/bus/errc.h"

#include <charconv>

namespace neuromesh::bus {
namespace {

constexpr std::string_view ts_key = R"({"ts":)";
constexpr std::string_view shard_key = R"(,"shard":)";
constexpr std::string_view data_key = R"(,"d":)";

template <class T>
bool take_number(std::string_view& s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p == s.data()) return false;
  s.remove_prefix(static_cast<std::size_t>(p - s.data()));
  return true;
}

bool take(std::string_view& s, std::string_view lit) {
  if (!s.starts_with(lit)) return false;
  s.remove_prefix(lit.size());
  return true;
}

}  // namespace

void append_envelope(std::uint64_t insertion_ts, std::uint16_t shard_id, std::string_view payload,
                     std::string& out) {
  char num[24];
  out += ts_key;
  out.append(num, std::to_chars(num, num + sizeof num, insertion_ts).ptr);
  out += shard_key;
  out.append(num, std::to_chars(num, num + sizeof num, shard_id).ptr);
  out += data_key;
  out += payload;
  out += '}';
}

boost::system::result<envelope_view> decode_envelope(std::string_view s) {
  envelope_view v;
  if (!take(s, ts_key) || !take_number(s, v.insertion_ts) || !take(s, shard_key) ||
      !take_number(s, v.shard_id) || !take(s, data_key) || !s.ends_with('}')) {
    return make_error_code(errc::decode_failed);
  }
  s.remove_suffix(1);
  v.payload = s;
  return v;
}

}  // namespace neuromesh::bus
