#pragma once
// Signal wire codec (reference/cosmonapse.md §1.5–§1.6, §1.9).
//
//   {"v":"1","id":"evt_01JV…","trace_id":"trc_01JV…","parent_id":null,"type":"TASK",
//    "directed":{"id":"answerer","type":null,"capabilities":[]},
//    "ts":"2026-05-16T14:22:01.391234Z","payload":{"input":{"q":"hi"}},"meta":{}}
//
// encode(): byte-identical to the Python SDK's Signal.encode() (pydantic 2.13): keys in the
// order v,id,trace_id,parent_id,type,directed,ts,payload,meta; compact; explicit nulls; raw
// UTF-8. An envelope already in that form decodes and re-encodes byte-identically.
//
// decode(): as lenient as the reference decoder: any key order; unknown keys (top level and
// inside directed) dropped; duplicate keys keep the last; defaults for an absent v, id,
// trace_id, parent_id, directed, ts, payload, meta (an explicit null for id, ts, payload or
// meta is an error); `type` required and known; prefix-only id checks; `v` of major 1.
// Every error names the field and why: `payload: expected object, got null`.

#include "neuromesh/protocol/signal.h"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace neuromesh::protocol {

/// A decode or validation failure: the field path ("payload", "directed.capabilities[2]")
/// and a sentence saying why (`payload: expected object, got null`).
struct decode_error {
  std::string field;
  std::string message;
  /// "field: message" (just the message when the error is not about one field)
  std::string what() const;
};

/// Lets result<T, decode_error>::value() throw std::invalid_argument(what()).
[[noreturn]] void throw_exception_from_error(const decode_error& e,
                                             const boost::source_location& loc);

/// What the decoder tolerated that the envelope spec forbids (neuromesh validate warns).
struct decode_notes {
  bool missing_v = false;
  bool missing_id = false;
  bool missing_trace_id = false;
  bool missing_ts = false;
  bool ts_not_utc_z = false;  ///< ts was not a string ending in Z (offset, naive, number)
};

std::string encode(const signal& s);
/// Appends the encoding to out (no allocation when out has capacity).
void encode_to(const signal& s, std::string& out);

boost::system::result<signal, decode_error> decode(std::string_view json);
boost::system::result<signal, decode_error> decode(std::string_view json, decode_notes& notes);

}  // namespace neuromesh::protocol
