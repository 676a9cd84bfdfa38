#pragma once
// The wire layouts as JSON, in the shape of Net's golden-vector `fields` (and `events_utf8`
// for event_frame), so any vector can be checked from a script:
//
//   wire_encode("net_header", R"({"session_id":"0x0123456789abcdef",...})") -> 68 bytes
//   wire_decode("net_header", bytes) -> the same JSON (ids as "0x..." strings, flags by name)
//
// Kinds: net_header, routing_header, event_frame, stream_window, token. Decoding then
// encoding gives back the same bytes. Fields a vector leaves out default to zero; decode
// prints a field beyond the vector's set only when it is non-zero. ids and hashes are written
// as "0x" + fixed-width lower-case hex; encode also takes them as JSON numbers.

#include "neuromesh/mesh/bytes.h"
#include "neuromesh/mesh/errc.h"

#include <string>
#include <string_view>

namespace neuromesh::mesh {

/// The kinds wire_encode / wire_decode know.
inline constexpr std::string_view wire_kinds[] = {"net_header", "routing_header", "event_frame",
                                                  "stream_window", "token"};

/// JSON fields → wire bytes. Errors: bad_field naming the kind and field (unknown kind,
/// malformed JSON, wrong type, value out of range, unknown key).
result<bytes> wire_encode(std::string_view kind, std::string_view json);
/// Wire bytes → compact JSON fields. The decoder's error on malformed bytes.
result<std::string> wire_decode(std::string_view kind, byte_view b);

}  // namespace neuromesh::mesh
