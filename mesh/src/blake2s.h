#pragma once
// BLAKE2s (libb2) and the constructions built on it: the keyed MAC Net derives identities and
// session keys with, and the HMAC / HKDF of the Noise framework (layer-internal).

#include "neuromesh/mesh/bytes.h"

#include <array>
#include <cstdint>
#include <initializer_list>

namespace neuromesh::mesh::detail {

using digest32 = std::array<std::uint8_t, 32>;

/// BLAKE2s-256 of the concatenation of parts (unkeyed).
digest32 blake2s(std::initializer_list<byte_view> parts);
/// Keyed BLAKE2s-256 (key ≤ 32 bytes in the parameter block): RustCrypto's Blake2sMac<U32>.
digest32 blake2s_mac(byte_view key, byte_view data);
/// HMAC-BLAKE2s (RFC 2104, block 64 bytes) as the Noise framework defines HMAC-HASH.
digest32 hmac_blake2s(byte_view key, std::initializer_list<byte_view> data);
/// Noise HKDF with two or three outputs.
void hkdf2(byte_view chaining_key, byte_view ikm, digest32& out1, digest32& out2);
void hkdf3(byte_view chaining_key, byte_view ikm, digest32& out1, digest32& out2, digest32& out3);
/// Net's session key derivation: PRK = MAC(key=ikm, "net-kdf-v1"), OKM = MAC(key=PRK, info).
digest32 net_derive_key(byte_view ikm, byte_view info);

}  // namespace neuromesh::mesh::detail
