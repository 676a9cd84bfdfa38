#pragma once
// Byte buffers and hex text, the two currencies of the mesh codecs.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::mesh {

/// An owned byte buffer.
using bytes = std::vector<std::uint8_t>;
/// A view of bytes owned elsewhere.
using byte_view = std::span<const std::uint8_t>;

/// Lower-case hex of b ("deadbeef").
std::string to_hex(byte_view b);
/// Bytes of a hex string (either case, even length, no prefix); nullopt when malformed.
std::optional<bytes> from_hex(std::string_view hex);
/// A view of a string's bytes.
inline byte_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace neuromesh::mesh
