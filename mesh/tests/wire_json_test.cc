#include "neuromesh/mesh/wire_json.h"

#include "neuromesh/mesh/identity.h"
#include "neuromesh/mesh/token.h"
#include "vectors.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>

namespace neuromesh::mesh {
namespace {

namespace json = boost::json;

// Compares two field objects, reading "0x" strings and numbers as the same integer.
bool same_fields(const json::object& want, const json::object& got) {
  if (want.size() != got.size()) return false;
  for (auto& kv : want) {
    auto* g = got.if_contains(kv.key());
    if (!g) return false;
    auto as_int = [](const json::value& v) -> std::optional<std::uint64_t> {
      if (v.is_uint64()) return v.get_uint64();
      if (v.is_int64()) return static_cast<std::uint64_t>(v.get_int64());
      if (v.is_string() && v.get_string().starts_with("0x"))
        return std::stoull(std::string(v.get_string().subview(2)), nullptr, 16);
      return std::nullopt;
    };
    auto a = as_int(kv.value()), b = as_int(*g);
    if (a && b ? *a != *b : kv.value() != *g) return false;
  }
  return true;
}

class NetVector : public ::testing::TestWithParam<const char*> {};

TEST_P(NetVector, EncodesFieldsToTheVectorHexAndDecodesBack) {
  std::string kind = GetParam();
  auto v = test::load_vector(kind + ".json");
  json::object fields;
  if (kind == "event_frame")
    fields["events_utf8"] = v.at("events_utf8");
  else
    fields = v.at("fields").as_object();
  std::string want_hex(v.at("hex").as_string());
  auto b = wire_encode(kind, json::serialize(fields));
  ASSERT_TRUE(b) << b.error().what();
  EXPECT_EQ(to_hex(*b), want_hex);
  auto text = wire_decode(kind, *from_hex(want_hex));
  ASSERT_TRUE(text) << text.error().what();
  EXPECT_TRUE(same_fields(fields, json::parse(*text).as_object())) << *text;
  EXPECT_EQ(to_hex(*wire_encode(kind, *text)), want_hex);
}

INSTANTIATE_TEST_SUITE_P(Golden, NetVector,
                         ::testing::Values("net_header", "routing_header", "event_frame",
                                           "stream_window"));

TEST(WireJson, TokenDecodeThenEncodeGivesTheSameBytes) {
  seed_bytes s{};
  s[0] = 1;
  auto issuer = identity::from_seed(s);
  auto t = permission_token::issue(issuer, issuer.public_key_bytes(),
                                   token_scope::publish | token_scope::delegate, 0xabc,
                                   std::chrono::hours(1), 2, 1'700'000'000)
               .value();
  auto wire = t.encode();
  auto text = wire_decode("token", wire).value();
  auto o = json::parse(text).as_object();
  EXPECT_EQ(o.at("scope").as_string(), "PUBLISH|DELEGATE");
  EXPECT_EQ(o.at("channel_hash").as_string(), "0x0000000000000abc");
  auto again = wire_encode("token", text).value();
  EXPECT_EQ(again, bytes(wire.begin(), wire.end()));
}

TEST(WireJson, BadFieldsAreNamed) {
  auto e = wire_encode("net_header", R"({"session_id":"0xzz"})");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().what().find("net_header: session_id"), std::string::npos) << e.error().what();
  e = wire_encode("routing_header", R"({"dest_id":1,"src_id":"0x100000000","ttl":1})");
  EXPECT_NE(e.error().what().find("src_id"), std::string::npos) << e.error().what();
  e = wire_encode("stream_window", R"({"stream_id":1,"total_consumed":2,"ack_seq":3,"x":1})");
  EXPECT_NE(e.error().what().find("x: unknown field"), std::string::npos) << e.error().what();
  e = wire_encode("net_header", R"({"session_id":1,"stream_id":1,"sequence":1,"nonce_hex":"00",
                                   "payload_len":0,"event_count":0})");
  EXPECT_NE(e.error().what().find("nonce_hex: expected 12 bytes"), std::string::npos);
  e = wire_encode("net_header", "{not json");
  EXPECT_NE(e.error().what().find("JSON"), std::string::npos);
  e = wire_encode("nope", "{}");
  EXPECT_NE(e.error().what().find("unknown kind"), std::string::npos);
  auto d = wire_decode("net_header", bytes(69, 0));
  EXPECT_EQ(d.error().code, errc::bad_length);
}

TEST(WireJson, NonUtf8EventsDecodeAsHexAndRoundTrip) {
  auto b = wire_encode("event_frame", R"({"events_hex":["ff00","c3"]})").value();
  auto text = wire_decode("event_frame", b).value();
  EXPECT_EQ(text, R"({"events_hex":["ff00","c3"]})");
  EXPECT_EQ(wire_encode("event_frame", text).value(), b);
}

// Random bytes through every kind: a decode either fails with a message naming the kind, or
// its JSON encodes back to the same bytes.
TEST(WireJson, RandomBytesDecodeToRoundTrippingJsonOrANamedError) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    for (auto kind : wire_kinds) {
      bytes b(rng() % 200);
      for (auto& x : b) x = static_cast<std::uint8_t>(rng() % 4 ? rng() % 8 : rng());
      if (kind == "net_header" && b.size() >= 68) b.resize(68), b[0] = 0x45, b[1] = 0x4e, b[2] = 1;
      auto text = wire_decode(kind, b);
      if (!text) {
        ASSERT_NE(text.error().what().find(std::string(kind.substr(0, 5))), std::string::npos)
            << text.error().what();
        continue;
      }
      auto again = wire_encode(kind, *text);
      ASSERT_TRUE(again) << kind << " " << *text << ": " << again.error().what();
      ASSERT_EQ(*again, b) << kind << " " << *text;
    }
  }
}

}  // namespace
}  // namespace neuromesh::mesh
