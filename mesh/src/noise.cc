#include "neuromesh/mesh/noise.h"

#include "blake2s.h"
#include "le.h"
#include "sodium_init.h"

#include <sodium.h>

#include <cstring>
#include <string_view>

namespace neuromesh::mesh {

using detail::digest32;

namespace {

constexpr std::size_t dhlen = 32;
constexpr std::size_t taglen = 16;

void chacha_nonce(std::uint8_t out[12], std::uint64_t n) {
  std::memset(out, 0, 4);
  detail::store_le(out + 4, n);
}

bytes aead_seal(const key32& k, std::uint64_t n, byte_view ad, byte_view pt) {
  std::uint8_t nonce[12];
  chacha_nonce(nonce, n);
  bytes out(pt.size() + taglen);
  unsigned long long len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &len, pt.data(), pt.size(), ad.data(),
                                            ad.size(), nullptr, nonce, k.data());
  out.resize(len);
  return out;
}

std::optional<bytes> aead_open(const key32& k, std::uint64_t n, byte_view ad, byte_view ct) {
  if (ct.size() < taglen) return std::nullopt;
  std::uint8_t nonce[12];
  chacha_nonce(nonce, n);
  bytes out(ct.size() - taglen);
  unsigned long long len = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, ct.data(), ct.size(),
                                                ad.data(), ad.size(), nonce, k.data()) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

key32 random_secret() {
  key32 k;
  randombytes_buf(k.data(), k.size());
  return k;
}

key32 public_of(const key32& secret) {
  key32 p;
  crypto_scalarmult_base(p.data(), secret.data());
  return p;
}

}  // namespace

bytes noise_cipher::encrypt(byte_view ad, byte_view plaintext) {
  return aead_seal(k_, n_++, ad, plaintext);
}

result<bytes> noise_cipher::decrypt(byte_view ad, byte_view ciphertext) {
  auto pt = aead_open(k_, n_, ad, ciphertext);
  if (!pt) return fail(errc::decrypt_failed, "noise: transport message failed to decrypt");
  ++n_;
  return std::move(*pt);
}

void noise_handshake::init(const key32& psk, byte_view prologue, const key32& rs_pub) {
  detail::ensure_sodium();
  psk_ = psk;
  std::string_view name = protocol_name;
  if (name.size() <= 32) {
    h_.fill(0);
    std::memcpy(h_.data(), name.data(), name.size());
  } else {
    h_ = detail::blake2s({as_bytes(name)});
  }
  ck_ = h_;
  mix_hash(prologue);
  mix_hash(rs_pub);  // pre-message: <- s
}

noise_handshake noise_handshake::initiator(const key32& psk, const key32& responder_static_public,
                                           byte_view prologue, std::optional<key32> eph) {
  noise_handshake hs;
  hs.initiator_ = true;
  hs.init(psk, prologue, responder_static_public);
  hs.rs_ = responder_static_public;
  hs.e_secret_ = eph ? *eph : (detail::ensure_sodium(), random_secret());
  hs.e_pub_ = public_of(hs.e_secret_);
  return hs;
}

noise_handshake noise_handshake::responder(const key32& psk, const key32& static_secret,
                                           byte_view prologue, std::optional<key32> eph) {
  noise_handshake hs;
  hs.initiator_ = false;
  detail::ensure_sodium();
  hs.init(psk, prologue, public_of(static_secret));
  hs.s_secret_ = static_secret;
  hs.e_secret_ = eph ? *eph : random_secret();
  hs.e_pub_ = public_of(hs.e_secret_);
  return hs;
}

noise_handshake::~noise_handshake() {
  sodium_memzero(psk_.data(), psk_.size());
  sodium_memzero(ck_.data(), ck_.size());
  sodium_memzero(k_.data(), k_.size());
  sodium_memzero(s_secret_.data(), s_secret_.size());
  sodium_memzero(e_secret_.data(), e_secret_.size());
}

void noise_handshake::mix_hash(byte_view data) { h_ = detail::blake2s({h_, data}); }

void noise_handshake::mix_key(byte_view ikm) {
  digest32 ck, k;
  detail::hkdf2(ck_, ikm, ck, k);
  ck_ = ck;
  k_ = k;
  has_k_ = true;
  n_ = 0;
}

void noise_handshake::mix_key_and_hash(byte_view ikm) {
  digest32 ck, th, k;
  detail::hkdf3(ck_, ikm, ck, th, k);
  ck_ = ck;
  mix_hash(th);
  k_ = k;
  has_k_ = true;
  n_ = 0;
}

bytes noise_handshake::encrypt_and_hash(byte_view pt) {
  bytes c = has_k_ ? aead_seal(k_, n_++, h_, pt) : bytes(pt.begin(), pt.end());
  mix_hash(c);
  return c;
}

result<bytes> noise_handshake::decrypt_and_hash(byte_view c) {
  bytes p;
  if (has_k_) {
    auto opened = aead_open(k_, n_, h_, c);
    if (!opened)
      return fail(errc::handshake_failed,
                  "handshake: message failed to authenticate (wrong PSK, wrong responder key, "
                  "different prologue, or tampering)");
    ++n_;
    p = std::move(*opened);
  } else {
    p.assign(c.begin(), c.end());
  }
  mix_hash(c);
  return p;
}

result<key32> noise_handshake::dh(const key32& secret, const key32& pub) const {
  key32 out;
  if (crypto_scalarmult(out.data(), secret.data(), pub.data()) != 0)
    return fail(errc::handshake_failed, "handshake: peer key is a low-order point");
  return out;
}

result<bytes> noise_handshake::write_message(byte_view payload) {
  bool my_turn = initiator_ ? step_ == 0 : step_ == 1;
  if (!my_turn) return fail(errc::bad_field, "handshake: not this side's turn to write");
  bytes out(e_pub_.begin(), e_pub_.end());
  if (initiator_) {
    mix_key_and_hash(psk_);  // psk
    mix_hash(e_pub_);        // e
    mix_key(e_pub_);         //   (psk modes mix e into the key too)
    auto es = dh(e_secret_, rs_);
    if (!es) return es.error();
    mix_key(*es);
  } else {
    mix_hash(e_pub_);
    mix_key(e_pub_);
    auto ee = dh(e_secret_, re_);
    if (!ee) return ee.error();
    mix_key(*ee);
  }
  auto c = encrypt_and_hash(payload);
  out.insert(out.end(), c.begin(), c.end());
  ++step_;
  return out;
}

result<bytes> noise_handshake::read_message(byte_view msg) {
  bool my_turn = initiator_ ? step_ == 1 : step_ == 0;
  if (!my_turn) return fail(errc::bad_field, "handshake: not this side's turn to read");
  if (msg.size() < dhlen + taglen)
    return fail(errc::handshake_failed,
                "handshake: message of " + std::to_string(msg.size()) + " bytes is too short");
  std::memcpy(re_.data(), msg.data(), dhlen);
  if (initiator_) {
    mix_hash(re_);
    mix_key(re_);
    auto ee = dh(e_secret_, re_);
    if (!ee) return ee.error();
    mix_key(*ee);
  } else {
    mix_key_and_hash(psk_);
    mix_hash(re_);
    mix_key(re_);
    auto es = dh(s_secret_, re_);
    if (!es) return es.error();
    mix_key(*es);
  }
  auto p = decrypt_and_hash(msg.subspan(dhlen));
  if (!p) return p.error();
  ++step_;
  return p;
}

std::pair<noise_cipher, noise_cipher> noise_handshake::split() const {
  digest32 k1, k2;
  detail::hkdf2(ck_, {}, k1, k2);
  return {noise_cipher(k1), noise_cipher(k2)};
}

session_keys noise_handshake::net_session_keys() const {
  session_keys s;
  s.session_id = detail::load_le<std::uint64_t>(h_.data());
  auto i2r = detail::net_derive_key(h_, as_bytes("initiator-tx"));
  auto r2i = detail::net_derive_key(h_, as_bytes("initiator-rx"));
  s.tx_key = initiator_ ? i2r : r2i;
  s.rx_key = initiator_ ? r2i : i2r;
  s.responder_static = initiator_ ? rs_ : public_of(s_secret_);
  return s;
}

}  // namespace neuromesh::mesh
