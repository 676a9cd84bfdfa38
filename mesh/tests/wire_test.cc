#include "neuromesh/mesh/wire.h"

#include "vectors.h"

#include <gtest/gtest.h>

#include <random>

namespace neuromesh::mesh {
namespace {

bytes hex(std::string_view h) { return from_hex(h).value(); }
std::string vector_hex(const char* file) {
  return std::string(test::load_vector(file).at("hex").as_string());
}

TEST(NetHeader, EncodesNetsGoldenVectorByteForByte) {
  net_header h;
  h.session_id = 0x0123456789abcdef;
  h.stream_id = 0x1122334455667788;
  h.sequence = 42;
  auto nonce = hex("deadbeef0700000000000000");
  std::copy(nonce.begin(), nonce.end(), h.nonce.begin());
  h.payload_len = 64;
  h.event_count = 3;
  h.flags = packet_flag::reliable;
  auto b = h.encode();
  EXPECT_EQ(to_hex(b), vector_hex("net_header.json"));
  auto back = net_header::decode(b);
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_EQ(*back, h);
}

TEST(NetHeader, AllFieldsRoundTripAtTheirOffsets) {
  net_header h;
  h.flags = 0x3f;
  h.priority = 7;
  h.hop_ttl = 16;
  h.hop_count = 3;
  h.frag_flags = 1;
  h.subprotocol_id = 0x0B00;
  h.channel_hash = 0xBEEF;
  h.origin_hash = 0x1122334455667788;
  h.subnet_id = 0xAABBCCDD;
  h.fragment_id = 9;
  h.fragment_offset = 512;
  auto b = h.encode();
  EXPECT_EQ(b[48], 0x88);  // origin_hash, u64 LE at 48
  EXPECT_EQ(b[56], 0xDD);  // subnet_id at 56
  EXPECT_EQ(b[8], 0x00);
  EXPECT_EQ(b[9], 0x0B);
  EXPECT_EQ(*net_header::decode(b), h);
}

TEST(NetHeader, AadSkipsNonceAndHopCount) {
  net_header a, b;
  a.sequence = b.sequence = 5;
  b.nonce[0] = 1;
  b.hop_count = 4;
  EXPECT_EQ(a.aad(), b.aad());
  b.hop_ttl = 1;
  EXPECT_NE(a.aad(), b.aad());
}

TEST(NetHeader, RejectsTruncationBadMagicVersionAndLengthsByName) {
  auto good = net_header{}.encode();
  for (std::size_t n = 0; n < header_size; ++n) {
    auto r = net_header::decode(byte_view(good.data(), n));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::truncated);
  }
  auto bad = good;
  bad[0] = 0x4e;
  EXPECT_EQ(net_header::decode(bad).error().code, errc::bad_magic);
  EXPECT_NE(net_header::decode(bad).error().what().find("magic"), std::string::npos);
  bad = good;
  bad[2] = 2;
  EXPECT_EQ(net_header::decode(bad).error().code, errc::bad_version);
  net_header h;
  h.payload_len = max_payload_size + 1;
  auto r = net_header::decode(h.encode());
  EXPECT_EQ(r.error().code, errc::bad_length);
  EXPECT_NE(r.error().what().find("payload_len"), std::string::npos);
}

TEST(RoutingHeader, EncodesNetsGoldenVectorByteForByte) {
  routing_header h{.dest_id = 0xAABBCCDDEEFF0011, .src_id = 0x12345678, .ttl = 16};
  EXPECT_EQ(to_hex(h.encode()), vector_hex("routing_header.json"));
  EXPECT_EQ(*routing_header::decode(h.encode()), h);
}

TEST(RoutingHeader, RejectsReservedFlagBitsAndBadMagic) {
  auto b = routing_header{.flags = route_flag::priority}.encode();
  EXPECT_TRUE(routing_header::decode(b));
  b[4] |= 0x40;
  EXPECT_EQ(routing_header::decode(b).error().code, errc::bad_field);
  b[0] = 0;
  EXPECT_EQ(routing_header::decode(b).error().code, errc::bad_magic);
  EXPECT_EQ(routing_header::decode(byte_view(b.data(), 17)).error().code, errc::truncated);
}

TEST(EventFrame, WritesNetsGoldenVectorAndReadsItBack) {
  bytes out;
  append_event(out, as_bytes(R"({"a":1})"));
  append_event(out, as_bytes("second"));
  EXPECT_EQ(to_hex(out), vector_hex("event_frame.json"));
  auto events = read_events(out, 2);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(std::string(events->at(1).begin(), events->at(1).end()), "second");
  EXPECT_EQ(framed_size(*events), out.size());
}

TEST(EventFrame, CountMismatchesAndOverlongLengthsAreErrors) {
  bytes out;
  append_event(out, as_bytes("abc"));
  append_event(out, as_bytes(""));
  EXPECT_EQ(read_events(out, 1).error().code, errc::bad_length);
  EXPECT_EQ(read_events(out, 3).error().code, errc::truncated);
  EXPECT_EQ(read_all_events(out)->size(), 2u);
  out[0] = 0xff;
  auto r = read_all_events(out);
  EXPECT_EQ(r.error().code, errc::truncated);
  EXPECT_NE(r.error().what().find("event[0]"), std::string::npos);
}

TEST(StreamWindow, EncodesNetsGoldenVectorByteForByte) {
  stream_window w{0x00FF00FF00FF00FF, 123456, 99};
  EXPECT_EQ(to_hex(w.encode()), vector_hex("stream_window.json"));
  EXPECT_EQ(*stream_window::decode(w.encode()), w);
  auto b = w.encode();
  EXPECT_EQ(stream_window::decode(byte_view(b.data(), 23)).error().code, errc::truncated);
  bytes longer(b.begin(), b.end());
  longer.push_back(0);
  EXPECT_EQ(stream_window::decode(longer).error().code, errc::bad_length);
}

TEST(StreamNack, ListsNextExpectedThenBitmapSequences) {
  stream_nack n{7, 100, 0b101};
  EXPECT_EQ((n.missing()), (std::vector<std::uint64_t>{100, 101, 103}));
  EXPECT_EQ(*stream_nack::decode(n.encode()), n);
}

TEST(Flags, NamesRoundTripThroughTheirStrings) {
  EXPECT_EQ(packet_flags_name(0), "NONE");
  EXPECT_EQ(packet_flags_name(packet_flag::reliable | packet_flag::fin), "RELIABLE|FIN");
  EXPECT_EQ(packet_flags_name(0x80), "0x80");
  EXPECT_EQ(route_flags_name(route_flag::control | route_flag::end_of_stream),
            "CONTROL|END_OF_STREAM");
}

// Randomized decoders: arbitrary bytes (and mutations of valid encodings) either decode to a
// value that re-encodes to the same bytes, or fail with a named error. Never a crash.
TEST(WireDecoders, RandomAndMutatedInputGiveAValueOrANamedError) {
  std::mt19937_64 rng(20261130);
  auto valid_header = [&] {
    net_header h;
    h.session_id = rng();
    h.sequence = rng();
    h.payload_len = static_cast<std::uint16_t>(rng() % (max_payload_size + 1));
    h.event_count = static_cast<std::uint16_t>(rng() % 100);
    h.flags = static_cast<std::uint8_t>(rng());
    return h.encode();
  };
  for (int i = 0; i < 20000; ++i) {
    bytes b;
    switch (i % 4) {
      case 0: {  // pure noise of random length
        b.resize(rng() % 100);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        break;
      }
      case 1: {  // valid header, one byte flipped, random truncation
        auto h = valid_header();
        b.assign(h.begin(), h.end());
        b[rng() % b.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
        b.resize(rng() % (b.size() + 1));
        break;
      }
      case 2: {  // event frames with a corrupted length
        for (int k = 0, n = static_cast<int>(rng() % 5); k < n; ++k)
          append_event(b, bytes(rng() % 20, 0x61));
        if (!b.empty()) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        break;
      }
      default: {
        auto r = routing_header{rng(), static_cast<std::uint32_t>(rng()), 8, 0, 0, 0}.encode();
        b.assign(r.begin(), r.end());
        b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        b.resize(rng() % 2 ? b.size() : rng() % (b.size() + 1));
      }
    }
    if (auto h = net_header::decode(b)) {
      auto again = h->encode();
      ASSERT_TRUE(std::equal(again.begin(), again.end(), b.begin()));
    } else {
      ASSERT_FALSE(h.error().what().empty());
    }
    if (auto r = routing_header::decode(b)) {
      auto again = r->encode();
      ASSERT_TRUE(std::equal(again.begin(), again.end(), b.begin()));
    } else {
      ASSERT_NE(r.error().what().find("routing_header"), std::string::npos);
    }
    if (auto e = read_all_events(b)) {
      bytes again;
      for (auto ev : *e) append_event(again, ev);
      ASSERT_EQ(again, b);
    } else {
      ASSERT_NE(e.error().what().find("event"), std::string::npos);
    }
    auto w = stream_window::decode(b);
    ASSERT_EQ(bool(w), b.size() == stream_window_size);
  }
}

}  // namespace
}  // namespace neuromesh::mesh
