#include "neuromesh/bus/event.h"

#include "neuromesh/bus/adapter.h"
#include "neuromesh/bus/batch.h"
#include "neuromesh/bus/errc.h"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <charconv>

namespace neuromesh::bus {

boost::system::result<boost::json::value> event::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(raw_str(), ec);
  if (ec) return make_error_code(errc::decode_failed);
  return v;
}

void append_dedup_id(const batch& b, std::size_t i, std::string& out) {
  if (auto own = b.events[i].payload.dedup_id(); !own.empty()) {
    out.append(own);
    return;
  }
  fmt::format_to(std::back_inserter(out), "{:x}:{}:{}:{}", b.process_nonce, b.shard_id,
                 b.sequence_start, i);
}

std::string dedup_id(const batch& b, std::size_t i) {
  std::string s;
  append_dedup_id(b, i, s);
  return s;
}

namespace {
// Parses "<a>" or "<a>-<b>" as unsigned integers.
bool parse_id(std::string_view s, std::uint64_t& a, std::uint64_t& b) {
  if (s.empty()) return false;
  auto dash = s.find('-');
  auto head = s.substr(0, dash);
  auto [p, ec] = std::from_chars(head.data(), head.data() + head.size(), a);
  if (ec != std::errc() || p != head.data() + head.size() || head.empty()) return false;
  b = 0;
  if (dash == std::string_view::npos) return true;
  auto tail = s.substr(dash + 1);
  auto [q, ec2] = std::from_chars(tail.data(), tail.data() + tail.size(), b);
  return ec2 == std::errc() && q == tail.data() + tail.size() && !tail.empty();
}
}  // namespace

int compare_stream_ids(std::string_view a, std::string_view b) noexcept {
  std::uint64_t a1, a2, b1, b2;
  if (parse_id(a, a1, a2) && parse_id(b, b1, b2)) {
    if (a1 != b1) return a1 < b1 ? -1 : 1;
    if (a2 != b2) return a2 < b2 ? -1 : 1;
    return 0;
  }
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace neuromesh::bus
