#pragma once
// CortEX events as RedEX payloads: Net's 24-byte EventMeta prefix, then a small binary body.
//
//   0          1       2     4              12             20          24
//   +----------+-------+-----+--------------+--------------+-----------+------ body
//   | dispatch | flags | pad | origin u64LE | ts_ns u64LE  | check u32 | ...
//   +----------+-------+-----+--------------+--------------+-----------+------
//
// check = low 32 bits of xxh3-64 over the 24 meta bytes (check zeroed) and the body, so a
// flipped dispatch byte is caught as well as a damaged body. Body fields are u64 LE
// integers, u8 booleans/enums, strings as u32 LE length + bytes and string lists as u32
// LE count + strings. Decoding checks every length against what is left and names the
// field that does not fit.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::cortex::detail {

constexpr std::size_t event_meta_size = 24;

struct event_meta {
  std::uint8_t dispatch = 0;
  std::uint8_t flags = 0;
  std::uint64_t origin = 0;
  std::uint64_t ts_ns = 0;
};

/// Builds one event: meta first, body fields appended, finish() patches the checksum.
class event_writer {
 public:
  event_writer(std::uint8_t dispatch, std::uint64_t origin, std::uint64_t ts_ns);
  /// Reserves room for n more body bytes (one allocation for a large body).
  event_writer& reserve(std::size_t n);
  event_writer& u64(std::uint64_t v);
  event_writer& u8(std::uint8_t v);
  event_writer& str(std::string_view s);
  event_writer& strs(const std::vector<std::string>& v);
  /// The finished event; the writer is left empty.
  std::string finish();

 private:
  std::string buf_;
};

/// Reads one event; every getter returns false (and sets error()) when the field is cut short.
class event_reader {
 public:
  /// Checks size and checksum; error() says what failed.
  explicit event_reader(std::string_view payload);
  bool ok() const noexcept { return error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  const event_meta& meta() const noexcept { return meta_; }

  bool u64(const char* field, std::uint64_t& v);
  bool u8(const char* field, std::uint8_t& v);
  bool str(const char* field, std::string& v);
  bool strs(const char* field, std::vector<std::string>& v);
  /// False (with an error) when bytes are left over after the last field.
  bool done();

 private:
  bool need(const char* field, std::size_t n);
  std::string_view rest_;
  event_meta meta_;
  std::string error_;
};

}  // namespace neuromesh::cortex::detail
