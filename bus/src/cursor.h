#pragma once
// The opaque poll cursor: base64url (no padding) of a JSON object mapping shard number to the
// id of the last event consumed in that shard, e.g. {"0":"12","3":"1700000000000-4"}.
// Clients must treat it as opaque; decode() rejects anything this encoder cannot produce.

#include <boost/system/result.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace neuromesh::bus::detail {

struct cursor_map {
  std::map<std::uint16_t, std::string> last_id;
};

std::string encode_cursor(const cursor_map& c);
/// errc::invalid_cursor for bad base64, bad JSON, a non-numeric or out-of-range shard, or a
/// non-string id.
boost::system::result<cursor_map> decode_cursor(std::string_view text, std::uint16_t shards);

std::string base64url_encode(std::string_view bytes);
boost::system::result<std::string> base64url_decode(std::string_view text);

}  // namespace neuromesh::bus::detail
