#include "neuromesh/mesh/token.h"

#include "vectors.h"

#include <gtest/gtest.h>

#include <random>

namespace neuromesh::mesh {
namespace {

constexpr std::uint64_t t0 = 1'700'000'000;
constexpr std::uint64_t chan = 0x1234;

struct Fixture : ::testing::Test {
  identity root = identity::generate();
  identity alice = identity::generate();
  identity bob = identity::generate();
  permission_token grant(std::uint32_t scope, std::uint8_t depth,
                         std::chrono::seconds ttl = std::chrono::hours(1)) {
    return permission_token::issue(root, alice.public_key_bytes(), scope, chan, ttl, depth, t0)
        .value();
  }
};

using Token = Fixture;

TEST_F(Token, WireIs169BytesInNetsLayoutAndRoundTrips) {
  auto t = grant(token_scope::publish, 1);
  auto b = t.encode();
  ASSERT_EQ(b.size(), 169u);
  EXPECT_TRUE(std::equal(t.issuer.begin(), t.issuer.end(), b.begin()));
  EXPECT_TRUE(std::equal(t.subject.begin(), t.subject.end(), b.begin() + 32));
  EXPECT_EQ(b[64], token_scope::publish);
  EXPECT_EQ(b[68], 0x34);  // channel_hash u64 LE at 68
  EXPECT_EQ(b[96], 1);     // delegation_depth
  auto back = permission_token::decode(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, t);
  EXPECT_TRUE(back->verify());
}

TEST_F(Token, AnyFlippedByteBreaksTheSignature) {
  auto b = grant(token_scope::subscribe, 0).encode();
  for (std::size_t i = 0; i < b.size(); ++i) {
    auto m = b;
    m[i] ^= 0x01;
    auto t = permission_token::decode(m).value();
    ASSERT_EQ(t.verify().error().code, errc::invalid_signature) << "byte " << i;
  }
}

TEST_F(Token, ValidityWindowIsHalfOpen) {
  auto t = grant(token_scope::publish, 0, std::chrono::seconds(10));
  EXPECT_EQ(t.check(t0 - 1).error().code, errc::not_yet_valid);
  EXPECT_TRUE(t.check(t0));
  EXPECT_TRUE(t.check(t0 + 9));
  EXPECT_EQ(t.check(t0 + 10).error().code, errc::expired);
  EXPECT_TRUE(t.check(t0 + 10, 5));  // skew tolerance
}

TEST_F(Token, ZeroAndOverlongTtlAreRejectedAtIssue) {
  auto r = permission_token::issue(root, alice.public_key_bytes(), token_scope::publish, chan,
                                   std::chrono::seconds(0), 0, t0);
  EXPECT_EQ(r.error().code, errc::zero_ttl);
  r = permission_token::issue(root, alice.public_key_bytes(), token_scope::publish, chan,
                              std::chrono::seconds(max_token_ttl_secs + 1), 0, t0);
  EXPECT_EQ(r.error().code, errc::ttl_too_long);
}

TEST_F(Token, AuthorizesOnlyItsScopeAndChannelUnlessWildcard) {
  auto t = grant(token_scope::publish | token_scope::subscribe, 0);
  EXPECT_TRUE(t.authorizes(token_scope::publish, chan));
  EXPECT_FALSE(t.authorizes(token_scope::admin, chan));
  EXPECT_FALSE(t.authorizes(token_scope::publish, chan + 1));
  auto w = grant(token_scope::publish | token_scope::wildcard, 0);
  EXPECT_TRUE(w.authorizes(token_scope::publish, 999));
}

TEST_F(Token, DelegationNarrowsScopeAndDecrementsDepth) {
  auto parent = grant(token_scope::publish | token_scope::subscribe | token_scope::delegate, 2);
  auto child =
      parent.delegate(alice, bob.public_key_bytes(),
                      token_scope::publish | token_scope::admin | token_scope::delegate, t0 + 5);
  ASSERT_TRUE(child) << child.error().what();
  EXPECT_EQ(child->scope, token_scope::publish | token_scope::delegate);  // ADMIN not widened in
  EXPECT_EQ(child->delegation_depth, 1);
  EXPECT_EQ(child->issuer, alice.public_key_bytes());
  EXPECT_EQ(child->not_after, parent.not_after);
  EXPECT_EQ(child->not_before, t0 + 5);
  EXPECT_TRUE(child->check(t0 + 5));
  auto grandchild = child->delegate(bob, alice.public_key_bytes(), token_scope::publish, t0 + 6);
  ASSERT_TRUE(grandchild);
  EXPECT_EQ(grandchild->delegation_depth, 0);
  EXPECT_EQ(grandchild->delegate(alice, bob.public_key_bytes(), token_scope::publish, t0 + 7)
                .error()
                .code,
            errc::delegation_exhausted);
}

TEST_F(Token, DelegationNeedsTheDelegateScopeTheSubjectAndALiveParent) {
  auto no_delegate = grant(token_scope::publish, 3);
  EXPECT_EQ(
      no_delegate.delegate(alice, bob.public_key_bytes(), token_scope::publish, t0).error().code,
      errc::delegation_not_allowed);
  auto ok = grant(token_scope::publish | token_scope::delegate, 3);
  EXPECT_EQ(ok.delegate(bob, bob.public_key_bytes(), token_scope::publish, t0).error().code,
            errc::not_authorized);
  EXPECT_EQ(
      ok.delegate(alice, bob.public_key_bytes(), token_scope::publish, t0 + 3600).error().code,
      errc::expired);
}

TEST_F(Token, StoreChecksOnInsertAndEvictsExpired) {
  token_store store;
  auto t = grant(token_scope::publish, 0, std::chrono::seconds(10));
  ASSERT_TRUE(store.insert(t, t0));
  EXPECT_TRUE(store.check(alice.public_key_bytes(), token_scope::publish, chan, t0 + 1));
  EXPECT_EQ(
      store.check(alice.public_key_bytes(), token_scope::subscribe, chan, t0 + 1).error().code,
      errc::not_authorized);
  EXPECT_FALSE(store.check(bob.public_key_bytes(), token_scope::publish, chan, t0 + 1));
  EXPECT_FALSE(store.check(alice.public_key_bytes(), token_scope::publish, chan, t0 + 10));
  auto forged = t;
  forged.scope |= token_scope::admin;
  EXPECT_EQ(store.insert(forged, t0).error().code, errc::invalid_signature);
  auto wide = grant(token_scope::subscribe | token_scope::wildcard, 0, std::chrono::seconds(100));
  ASSERT_TRUE(store.insert(wide, t0));
  EXPECT_TRUE(store.check(alice.public_key_bytes(), token_scope::subscribe, 77, t0 + 50));
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.evict_expired(t0 + 10), 1u);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.evict_expired(t0 + 100), 1u);
  EXPECT_EQ(store.size(), 0u);
}

// tests/vectors/token.json was signed by Python's `cryptography` over Net's 105-byte layout.
TEST(TokenVector, IndependentlySignedTokenDecodesAndVerifies) {
  auto v = test::load_vector("token.json");
  auto wire = from_hex(v.at("hex").as_string()).value();
  auto t = permission_token::decode(wire);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->verify());
  EXPECT_EQ(t->scope, token_scope::publish | token_scope::subscribe | token_scope::delegate);
  EXPECT_EQ(t->channel_hash, 0xcafef00du);
  EXPECT_EQ(t->issuer_generation, 3u);
  EXPECT_EQ(t->delegation_depth, 2);
  EXPECT_EQ(t->nonce, 0x0102030405060708u);
  seed_bytes s;
  s.fill(1);
  EXPECT_EQ(t->issuer, identity::from_seed(s).public_key_bytes());
  EXPECT_TRUE(t->check(t->not_before));
}

TEST(TokenDecode, RandomLengthsAndBytesNeverCrash) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    bytes b(rng() % 340);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    auto t = permission_token::decode(b);
    if (b.size() == permission_token::wire_size) {
      ASSERT_TRUE(t);
      auto again = t->encode();
      ASSERT_TRUE(std::equal(again.begin(), again.end(), b.begin()));
      ASSERT_FALSE(t->verify());
    } else {
      ASSERT_EQ(t.error().code, b.size() < 169 ? errc::truncated : errc::bad_length);
    }
  }
}

TEST(TokenScope, NamesParseBack) {
  EXPECT_EQ(scope_name(0x0f), "PUBLISH|SUBSCRIBE|ADMIN|DELEGATE");
  EXPECT_EQ(parse_scope("publish|ADMIN"), token_scope::publish | token_scope::admin);
  EXPECT_EQ(parse_scope(scope_name(0x120)), 0x120u);
  EXPECT_FALSE(parse_scope("READ"));
}

}  // namespace
}  // namespace neuromesh::mesh
