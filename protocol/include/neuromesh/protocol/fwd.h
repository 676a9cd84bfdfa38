#pragma once
// Forward declarations of the protocol layer's types, for headers that only name them.

namespace neuromesh::protocol {

enum class signal_type : unsigned char;
struct directed;
struct signal;
class raw_object;
class timestamp;
struct decode_error;
struct decode_notes;
struct envelope_options;

}  // namespace neuromesh::protocol
