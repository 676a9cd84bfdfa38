#pragma once
// The 20-byte RedEX index record, Net's on-disk layout (Net's redex/entry.rs), little-endian:
//
//   0        8            12           16                  20
//   +--------+------------+------------+-------------------+
//   | seq u64| offset u32 |  len u32   | flags:4 | xxh3:28 |
//   +--------+------------+------------+-------------------+
//
// offset/len locate the payload in the data file `dat`. With the INLINE flag the payload is
// exactly 8 bytes and lives in offset+len themselves (bytes 0..4 in offset, 4..8 in len).
// The low 28 bits of the last word are the low 28 bits of xxh3-64(payload); the high 4 are
// flags: INLINE 0x8, TOMBSTONE 0x4 (the payload is the u64 LE seq the tombstone deletes).
// Beside `idx` and `dat`, the sidecar `ts` holds one u64 LE unix-nanosecond timestamp per
// index record, so age retention survives a restart.

#include <array>
#include <cstdint>
#include <string_view>

namespace neuromesh::cortex {

struct index_record {
  static constexpr std::size_t size = 20;
  static constexpr std::uint32_t flag_inline = 0x8000'0000u;
  static constexpr std::uint32_t flag_tombstone = 0x4000'0000u;
  static constexpr std::uint32_t flag_mask = 0xF000'0000u;
  static constexpr std::uint32_t checksum_mask = 0x0FFF'FFFFu;
  static constexpr std::size_t inline_size = 8;

  std::uint64_t seq = 0;
  std::uint32_t offset = 0;
  std::uint32_t len = 0;
  std::uint32_t flags_and_checksum = 0;

  bool is_inline() const noexcept { return flags_and_checksum & flag_inline; }
  bool is_tombstone() const noexcept { return flags_and_checksum & flag_tombstone; }
  std::uint32_t flags() const noexcept { return flags_and_checksum & flag_mask; }
  std::uint32_t checksum() const noexcept { return flags_and_checksum & checksum_mask; }
  /// Payload length: 8 for inline records, len otherwise.
  std::uint32_t payload_size() const noexcept { return is_inline() ? inline_size : len; }
  /// The 8 inline payload bytes (meaningful only when is_inline()).
  std::array<char, inline_size> inline_payload() const noexcept;

  std::array<char, size> encode() const noexcept;
  static index_record decode(const char* bytes) noexcept;

  /// A record whose payload lives in dat at offset.
  static index_record heap(std::uint64_t seq, std::uint32_t offset, std::string_view payload,
                           std::uint32_t flags = 0) noexcept;
  /// A record carrying its exactly-8-byte payload inline.
  static index_record make_inline(std::uint64_t seq, std::string_view payload8,
                                  std::uint32_t flags = 0) noexcept;
};

/// Low 28 bits of xxh3-64 of the payload: the record checksum.
std::uint32_t payload_checksum(std::string_view payload) noexcept;

}  // namespace neuromesh::cortex
