#include "blake2s.h"

#include <sodium.h>

#include <blake2.h>

#include <cstring>
#include <stdexcept>

namespace neuromesh::mesh::detail {

digest32 blake2s(std::initializer_list<byte_view> parts) {
  blake2s_state s;
  blake2s_init(&s, 32);
  for (auto p : parts) blake2s_update(&s, p.data(), p.size());
  digest32 out;
  blake2s_final(&s, out.data(), out.size());
  return out;
}

digest32 blake2s_mac(byte_view key, byte_view data) {
  if (key.size() > 32 || key.empty())
    throw std::invalid_argument("blake2s_mac: key must be 1..32 bytes");
  blake2s_state s;
  blake2s_init_key(&s, 32, key.data(), key.size());
  blake2s_update(&s, data.data(), data.size());
  digest32 out;
  blake2s_final(&s, out.data(), out.size());
  return out;
}

digest32 hmac_blake2s(byte_view key, std::initializer_list<byte_view> data) {
  std::uint8_t k[64] = {};
  if (key.size() > 64) {
    auto h = blake2s({key});
    std::memcpy(k, h.data(), h.size());
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  std::uint8_t ipad[64], opad[64];
  for (int i = 0; i < 64; ++i) {
    ipad[i] = k[i] ^ 0x36;
    opad[i] = k[i] ^ 0x5c;
  }
  blake2s_state s;
  blake2s_init(&s, 32);
  blake2s_update(&s, ipad, 64);
  for (auto d : data) blake2s_update(&s, d.data(), d.size());
  digest32 inner;
  blake2s_final(&s, inner.data(), inner.size());
  auto out = blake2s({byte_view(opad, 64), inner});
  sodium_memzero(k, sizeof k);
  sodium_memzero(ipad, sizeof ipad);
  sodium_memzero(opad, sizeof opad);
  return out;
}

void hkdf2(byte_view ck, byte_view ikm, digest32& out1, digest32& out2) {
  auto temp = hmac_blake2s(ck, {ikm});
  static const std::uint8_t one = 1, two = 2;
  out1 = hmac_blake2s(temp, {byte_view(&one, 1)});
  out2 = hmac_blake2s(temp, {out1, byte_view(&two, 1)});
  sodium_memzero(temp.data(), temp.size());
}

void hkdf3(byte_view ck, byte_view ikm, digest32& out1, digest32& out2, digest32& out3) {
  auto temp = hmac_blake2s(ck, {ikm});
  static const std::uint8_t one = 1, two = 2, three = 3;
  out1 = hmac_blake2s(temp, {byte_view(&one, 1)});
  out2 = hmac_blake2s(temp, {out1, byte_view(&two, 1)});
  out3 = hmac_blake2s(temp, {out2, byte_view(&three, 1)});
  sodium_memzero(temp.data(), temp.size());
}

digest32 net_derive_key(byte_view ikm, byte_view info) {
  static constexpr char label[] = "net-kdf-v1";
  auto prk = blake2s_mac(ikm, as_bytes(std::string_view(label, sizeof label - 1)));
  auto okm = blake2s_mac(prk, info);
  sodium_memzero(prk.data(), prk.size());
  return okm;
}

}  // namespace neuromesh::mesh::detail
