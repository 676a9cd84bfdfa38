#pragma once
// The envelope an event travels in through Redis (field "d") and JetStream (message body):
//
//   {"ts":<insertion_ts>,"shard":<shard_id>,"d":<payload bytes, verbatim>}
//
// Built by concatenation, never re-serialising the payload; decoding takes the payload as the
// bytes between `"d":` and the final `}`, so any payload (even one that is not JSON) survives.

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace neuromesh::bus {

struct envelope_view {
  std::uint64_t insertion_ts = 0;
  std::uint16_t shard_id = 0;
  std::string_view payload;
};

void append_envelope(std::uint64_t insertion_ts, std::uint16_t shard_id, std::string_view payload,
                     std::string& out);
/// errc::decode_failed unless text has exactly the shape above.
boost::system::result<envelope_view> decode_envelope(std::string_view text);

}  // namespace neuromesh::bus
