#include "neuromesh/cortex/index_record.h"

#include "le.h"

#include <xxhash.h>

#include <cstring>

namespace neuromesh::cortex {

std::uint32_t payload_checksum(std::string_view payload) noexcept {
  return static_cast<std::uint32_t>(XXH3_64bits(payload.data(), payload.size())) &
         index_record::checksum_mask;
}

std::array<char, index_record::inline_size> index_record::inline_payload() const noexcept {
  std::array<char, inline_size> out{};
  detail::put_u32(out.data(), offset);
  detail::put_u32(out.data() + 4, len);
  return out;
}

std::array<char, index_record::size> index_record::encode() const noexcept {
  std::array<char, size> out{};
  detail::put_u64(out.data(), seq);
  detail::put_u32(out.data() + 8, offset);
  detail::put_u32(out.data() + 12, len);
  detail::put_u32(out.data() + 16, flags_and_checksum);
  return out;
}

index_record index_record::decode(const char* b) noexcept {
  return {detail::get_u64(b), detail::get_u32(b + 8), detail::get_u32(b + 12),
          detail::get_u32(b + 16)};
}

index_record index_record::heap(std::uint64_t seq, std::uint32_t offset, std::string_view payload,
                                std::uint32_t flags) noexcept {
  return {seq, offset, static_cast<std::uint32_t>(payload.size()),
          (flags & flag_mask & ~flag_inline) | payload_checksum(payload)};
}

index_record index_record::make_inline(std::uint64_t seq, std::string_view p,
                                       std::uint32_t flags) noexcept {
  return {seq, detail::get_u32(p.data()), detail::get_u32(p.data() + 4),
          (flags & flag_mask) | flag_inline | payload_checksum(p)};
}

}  // namespace neuromesh::cortex
