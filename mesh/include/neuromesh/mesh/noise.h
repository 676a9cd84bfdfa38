#pragma once
// The Noise handshake Net runs: Noise_NKpsk0_25519_ChaChaPoly_BLAKE2s (revision 34 of the
// Noise specification), written on libsodium (X25519, ChaCha20-Poly1305 IETF) and libb2
// (BLAKE2s, with the spec's HMAC and HKDF). Checked against the cacophony test vectors.
//
//   NKpsk0:  <- s
//            ...
//            -> psk, e, es        (msg1, 48 bytes + payload + 16)
//            <- e, ee             (msg2, 48 bytes + payload)
//
// The initiator is anonymous and knows the responder's static X25519 key in advance; both
// hold the same 32-byte PSK. A wrong PSK, a wrong responder key or a different prologue
// makes the responder's read of msg1 fail (handshake_failed). After two messages both sides
// derive Net's session keys from the handshake hash (crypto.rs into_session_keys):
//
//   session_id = u64 LE of h[0..8]
//   k_i2r = BLAKE2s-MAC(key = BLAKE2s-MAC(key = h, "net-kdf-v1"), "initiator-tx")
//   k_r2i = the same with "initiator-rx"
//
// split() gives the spec's transport CipherStates instead (used by the vector test).
//
// Thread-safety: none; one handshake per owner.

#include "neuromesh/mesh/bytes.h"
#include "neuromesh/mesh/errc.h"

#include <array>
#include <cstdint>
#include <optional>

namespace neuromesh::mesh {

using key32 = std::array<std::uint8_t, 32>;

/// Keys one side of an established session uses.
struct session_keys {
  std::uint64_t session_id = 0;
  key32 tx_key{};
  key32 rx_key{};
  /// The peer's static X25519 key (the responder's, seen from either side).
  key32 responder_static{};
};

/// A Noise CipherState: a key and a 64-bit counter nonce (4 zero bytes ‖ n LE).
class noise_cipher {
 public:
  explicit noise_cipher(const key32& k) : k_(k) {}
  bytes encrypt(byte_view ad, byte_view plaintext);
  result<bytes> decrypt(byte_view ad, byte_view ciphertext);

 private:
  key32 k_;
  std::uint64_t n_ = 0;
};

class noise_handshake {
 public:
  static constexpr const char* protocol_name = "Noise_NKpsk0_25519_ChaChaPoly_BLAKE2s";

  /// The initiator side. ephemeral_secret is for test vectors; normally a fresh one is drawn.
  static noise_handshake initiator(const key32& psk, const key32& responder_static_public,
                                   byte_view prologue,
                                   std::optional<key32> ephemeral_secret = std::nullopt);
  /// The responder side, with its static X25519 secret.
  static noise_handshake responder(const key32& psk, const key32& static_secret, byte_view prologue,
                                   std::optional<key32> ephemeral_secret = std::nullopt);

  /// Writes the next message of the pattern carrying payload. bad_field when it is not this
  /// side's turn.
  result<bytes> write_message(byte_view payload);
  /// Reads the next message; returns its payload. handshake_failed on a short message, a
  /// bad key, or a failed decryption (wrong PSK / responder key / prologue, tampering).
  result<bytes> read_message(byte_view message);

  bool finished() const noexcept { return step_ == 2; }
  bool is_initiator() const noexcept { return initiator_; }
  const key32& handshake_hash() const noexcept { return h_; }
  /// The initiator's ephemeral public key (known to both sides after msg1).
  const key32& initiator_ephemeral() const noexcept { return initiator_ ? e_pub_ : re_; }

  /// Noise Split(): (initiator→responder, responder→initiator). Only when finished().
  std::pair<noise_cipher, noise_cipher> split() const;
  /// Net's per-direction session keys for this side. Only when finished().
  session_keys net_session_keys() const;

  ~noise_handshake();

 private:
  noise_handshake() = default;
  void init(const key32& psk, byte_view prologue, const key32& responder_static_public);
  void mix_hash(byte_view data);
  void mix_key(byte_view ikm);
  void mix_key_and_hash(byte_view ikm);
  bytes encrypt_and_hash(byte_view plaintext);
  result<bytes> decrypt_and_hash(byte_view ciphertext);
  result<key32> dh(const key32& secret, const key32& pub) const;

  bool initiator_ = false;
  int step_ = 0;  // messages done
  key32 psk_{};
  key32 ck_{}, h_{}, k_{};
  bool has_k_ = false;
  std::uint64_t n_ = 0;
  key32 s_secret_{}, rs_{};  // responder: own static secret; initiator: responder static
  key32 e_secret_{}, e_pub_{}, re_{};
};

}  // namespace neuromesh::mesh
