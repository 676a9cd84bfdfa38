#pragma once
// Little-endian loads and stores on raw bytes (layer-internal). On a little-endian host they
// are single unaligned moves.

#include <bit>
#include <cstdint>
#include <cstring>

namespace neuromesh::mesh::detail {

template <class T>
inline T byteswap_if_big(T v) noexcept {
  if constexpr (std::endian::native == std::endian::big) {
    T out = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
      out = static_cast<T>(out << 8 | ((v >> (8 * i)) & 0xff));
    return out;
  }
  return v;
}

template <class T>
inline void store_le(std::uint8_t* p, T v) noexcept {
  v = byteswap_if_big(v);
  std::memcpy(p, &v, sizeof v);
}

template <class T>
inline T load_le(const std::uint8_t* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return byteswap_if_big(v);
}

}  // namespace neuromesh::mesh::detail
