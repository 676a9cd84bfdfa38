#pragma once
// A node *is* its ed25519 key. identity holds the 32-byte seed; everything else is derived:
//
//   public key   ed25519 public key of the seed (the EntityId, 32 bytes)
//   node_id      u64 LE of BLAKE2s-MAC(key = "net-node-id-v1", public key)[0..8]
//   origin_hash  u64 LE of BLAKE2s-MAC(key = "net-origin-v1",  public key)[0..8]; the
//                packet header carries all 64 bits; origin_hash32() is its low half, the
//                u32 older Net releases stamped
//   Noise static the X25519 form of the same key (libsodium's ed25519→curve25519 map), so a
//                peer's ed25519 public key is all an initiator needs to reach it
//
// BLAKE2s-MAC is keyed BLAKE2s-256 (RustCrypto Blake2sMac<U32>, Net identity/entity.rs).
// Seed files hold the 32 bytes raw or as 64 hex digits; they are written 0600 and refused
// when group or world may read them.
//
// Thread-safety: an identity is immutable after construction; share it freely.

#include "neuromesh/mesh/bytes.h"
#include "neuromesh/mesh/errc.h"

#include <array>
#include <cstdint>
#include <string>

namespace neuromesh::mesh {

using public_key = std::array<std::uint8_t, 32>;
using signature = std::array<std::uint8_t, 64>;
using seed_bytes = std::array<std::uint8_t, 32>;

/// node_id of an ed25519 public key (see above).
std::uint64_t node_id_of(const public_key& pk);
/// origin_hash of an ed25519 public key (see above).
std::uint64_t origin_hash_of(const public_key& pk);
/// Strict ed25519 verification (libsodium: canonical S, no small-order keys).
bool verify_signature(const public_key& pk, byte_view message, const signature& sig);
/// The X25519 public key of an ed25519 public key; bad_field when pk is not a valid point.
result<public_key> x25519_public_of(const public_key& pk);

class identity {
 public:
  /// A fresh random identity.
  static identity generate();
  static identity from_seed(const seed_bytes& seed);
  /// Loads a seed file. Errors: io_error (unreadable, or readable by group/other — the
  /// message says `chmod 600`), bad_length / bad_field (not 32 raw bytes or 64 hex digits).
  static result<identity> load(const std::string& path);
  /// Writes the seed raw, mode 0600, replacing the file. io_error on failure.
  result<void> save(const std::string& path) const;

  identity(const identity&) = default;
  identity& operator=(const identity&) = default;
  ~identity();

  const public_key& public_key_bytes() const noexcept { return public_; }
  std::uint64_t node_id() const noexcept { return node_id_; }
  std::uint64_t origin_hash() const noexcept { return origin_hash_; }
  std::uint32_t origin_hash32() const noexcept { return static_cast<std::uint32_t>(origin_hash_); }
  const seed_bytes& seed() const noexcept { return seed_; }

  signature sign(byte_view message) const;
  bool verify(byte_view message, const signature& sig) const {
    return verify_signature(public_, message, sig);
  }

  /// The X25519 secret / public key of this identity (the Noise static key pair).
  std::array<std::uint8_t, 32> x25519_secret() const;
  public_key x25519_public() const;

 private:
  identity() = default;
  seed_bytes seed_{};
  std::array<std::uint8_t, 64> secret_{};  // libsodium's seed || public key form
  public_key public_{};
  std::uint64_t node_id_ = 0;
  std::uint64_t origin_hash_ = 0;
};

}  // namespace neuromesh::mesh
