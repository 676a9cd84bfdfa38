#include "neuromesh/mesh/noise.h"

#include "vectors.h"

#include <gtest/gtest.h>

namespace neuromesh::mesh {
namespace {

namespace json = boost::json;

key32 key(const json::value& v) {
  auto b = from_hex(v.as_string()).value();
  key32 k;
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}
bytes hex(const json::value& v) { return from_hex(v.as_string()).value(); }

// The cacophony vectors (tests/vectors/noise_nkpsk0.json): fixed ephemerals, both sides'
// handshake messages and four transport messages must match byte for byte.
TEST(NoiseNKpsk0, MatchesTheCacophonyVectors) {
  auto file = test::load_vector("noise_nkpsk0.json");
  auto& vectors = file.at("vectors").as_array();
  ASSERT_FALSE(vectors.empty());
  for (auto& vv : vectors) {
    auto& v = vv.as_object();
    ASSERT_EQ(v.at("protocol_name").as_string(), noise_handshake::protocol_name);
    auto psk = key(v.at("init_psks").as_array()[0]);
    auto prologue = hex(v.at("init_prologue"));
    auto init = noise_handshake::initiator(psk, key(v.at("init_remote_static")), prologue,
                                           key(v.at("init_ephemeral")));
    auto resp =
        noise_handshake::responder(key(v.at("resp_psks").as_array()[0]), key(v.at("resp_static")),
                                   hex(v.at("resp_prologue")), key(v.at("resp_ephemeral")));
    auto& msgs = v.at("messages").as_array();
    ASSERT_GE(msgs.size(), 2u);
    auto m0 = init.write_message(hex(msgs[0].at("payload"))).value();
    EXPECT_EQ(to_hex(m0), msgs[0].at("ciphertext").as_string());
    EXPECT_EQ(resp.read_message(m0).value(), hex(msgs[0].at("payload")));
    auto m1 = resp.write_message(hex(msgs[1].at("payload"))).value();
    EXPECT_EQ(to_hex(m1), msgs[1].at("ciphertext").as_string());
    EXPECT_EQ(init.read_message(m1).value(), hex(msgs[1].at("payload")));
    ASSERT_TRUE(init.finished());
    ASSERT_TRUE(resp.finished());
    EXPECT_EQ(to_hex(init.handshake_hash()), v.at("handshake_hash").as_string());
    EXPECT_EQ(init.handshake_hash(), resp.handshake_hash());
    auto [i_tx, i_rx] = init.split();
    auto [r_rx, r_tx] = resp.split();
    for (std::size_t i = 2; i < msgs.size(); ++i) {
      auto payload = hex(msgs[i].at("payload"));
      bool from_initiator = i % 2 == 0;
      auto c = from_initiator ? i_tx.encrypt({}, payload) : r_tx.encrypt({}, payload);
      EXPECT_EQ(to_hex(c), msgs[i].at("ciphertext").as_string()) << "message " << i;
      auto p = from_initiator ? r_rx.decrypt({}, c) : i_rx.decrypt({}, c);
      ASSERT_TRUE(p);
      EXPECT_EQ(*p, payload);
    }
  }
}

struct Pair {
  key32 psk{}, static_secret{}, static_public{};
  Pair() {
    psk.fill(7);
    static_secret.fill(9);
    auto r = noise_handshake::responder(psk, static_secret, {});
    static_public = r.net_session_keys().responder_static;
  }
};

TEST(NoiseNKpsk0, BothSidesDeriveMirroredNetSessionKeys) {
  Pair p;
  auto init = noise_handshake::initiator(p.psk, p.static_public, as_bytes("prologue"));
  auto resp = noise_handshake::responder(p.psk, p.static_secret, as_bytes("prologue"));
  ASSERT_TRUE(resp.read_message(init.write_message({}).value()));
  ASSERT_TRUE(init.read_message(resp.write_message({}).value()));
  auto a = init.net_session_keys(), b = resp.net_session_keys();
  EXPECT_EQ(a.session_id, b.session_id);
  EXPECT_EQ(a.tx_key, b.rx_key);
  EXPECT_EQ(a.rx_key, b.tx_key);
  EXPECT_NE(a.tx_key, a.rx_key);
  EXPECT_EQ(a.responder_static, p.static_public);
  EXPECT_EQ(init.initiator_ephemeral(), resp.initiator_ephemeral());
}

TEST(NoiseNKpsk0, WrongPskFailsAtTheResponderWithAClearError) {
  Pair p;
  key32 other = p.psk;
  other[0] ^= 1;
  auto init = noise_handshake::initiator(other, p.static_public, {});
  auto resp = noise_handshake::responder(p.psk, p.static_secret, {});
  auto r = resp.read_message(init.write_message({}).value());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::handshake_failed);
  EXPECT_NE(r.error().what().find("wrong PSK"), std::string::npos);
}

TEST(NoiseNKpsk0, UnknownResponderKeyOrProloguFails) {
  Pair p;
  key32 wrong = p.static_public;
  wrong[3] ^= 0x40;
  auto init = noise_handshake::initiator(p.psk, wrong, {});
  auto resp = noise_handshake::responder(p.psk, p.static_secret, {});
  EXPECT_EQ(resp.read_message(init.write_message({}).value()).error().code, errc::handshake_failed);
  auto init2 = noise_handshake::initiator(p.psk, p.static_public, as_bytes("a"));
  auto resp2 = noise_handshake::responder(p.psk, p.static_secret, as_bytes("b"));
  EXPECT_FALSE(resp2.read_message(init2.write_message({}).value()));
}

TEST(NoiseNKpsk0, TamperedOrShortMessagesFailAndTurnsAreEnforced) {
  Pair p;
  auto init = noise_handshake::initiator(p.psk, p.static_public, {});
  auto m = init.write_message(as_bytes("hi")).value();
  EXPECT_EQ(init.write_message({}).error().code, errc::bad_field);
  for (std::size_t i = 0; i < m.size(); ++i) {
    auto resp = noise_handshake::responder(p.psk, p.static_secret, {});
    auto t = m;
    t[i] ^= 0x80;
    ASSERT_FALSE(resp.read_message(t)) << "byte " << i;
  }
  auto resp = noise_handshake::responder(p.psk, p.static_secret, {});
  EXPECT_EQ(resp.read_message(byte_view(m.data(), 40)).error().code, errc::handshake_failed);
}

}  // namespace
}  // namespace neuromesh::mesh
