#pragma once
// Signal wire codec (reference/cosmonapse.md §1.5–§1.6, §1.9).
//
// encode(): byte-identical to the Python SDK's Signal.encode() (pydantic 2.13): keys in the
// order v,id,trace_id,parent_id,type,directed,ts,payload,meta; compact; explicit nulls; raw
// UTF-8. decode(): as lenient as the reference decoder; every error names the field and why.

#include "neuromesh/protocol/signal.h"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace neuromesh::protocol {

/// A decode or validation failure: the field path ("payload", "directed.capabilities[2]")
/// and a sentence saying why (`payload: expected object, got null`).
struct decode_error {
  std::string field;
  std::string message;
  /// "field: message"
  std::string what() const;
};

std::string encode(const signal& s);
/// Appends the encoding to out (no allocation when out has capacity).
void encode_to(const signal& s, std::string& out);

boost::system::result<signal, decode_error> decode(std::string_view json);

}  // namespace neuromesh::protocol
