#pragma once
// Little-endian loads and stores on raw bytes (layer-internal).

#include <cstdint>
#include <cstring>

namespace neuromesh::mesh::detail {

template <class T>
inline void store_le(std::uint8_t* p, T v) noexcept {
  for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

template <class T>
inline T load_le(const std::uint8_t* p) noexcept {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(T(p[i]) << (8 * i));
  return v;
}

}  // namespace neuromesh::mesh::detail
