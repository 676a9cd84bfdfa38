#include "neuromesh/runtime/engram_wire.h"

#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/codec.h"
#include "neuromesh/runtime/engram_memory.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>

#include <random>

namespace neuromesh::runtime {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace json = boost::json;
namespace proto = protocol;

proto::raw_object obj(std::string_view text) { return proto::raw_object::parse(text).value(); }

// A Signal with any payload (the builders would refuse the malformed ones).
proto::signal raw(proto::signal_type type, std::string_view payload, proto::directed d) {
  proto::signal s;
  s.type = type;
  s.payload = obj(payload);
  s.directed = std::move(d);
  return s;
}

proto::directed to_id(std::string id) { return proto::directed{.id = std::move(id)}; }
proto::directed to_kind(std::string kind) { return proto::directed{.type = std::move(kind)}; }

std::string recall_error(std::string_view payload) {
  auto r = decode_recall(obj(payload));
  return r ? std::string("(decoded)") : r.error().message;
}

std::string imprint_error(std::string_view payload) {
  auto r = decode_imprint(raw(proto::signal_type::imprint, payload, to_id("mem")));
  return r ? std::string("(decoded)") : r.error().message;
}

class engram_wire : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(mem_.connect()); }
  memory_engram mem_{{"mem", "context", {"substring"}, "1"}};
};

TEST(decode_recall, reads_every_field) {
  auto r = decode_recall(
      obj(R"({"query":{"text":"t","tag":"a","merge_key":"k","top_k":5.0},"recall_mode":"merge",)"
          R"("filters":{"tags":["x","y"],"since":"2026-01-01T00:00:00Z","until":"2026-02-01"},)"
          R"("context_ref":"c","deadline_ms":250,"min_confidence":0.5})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->recall_mode, "merge");
  EXPECT_EQ(r->query.text, "t");
  EXPECT_EQ(r->query.tag, "a");
  EXPECT_EQ(r->query.merge_key, "k");
  EXPECT_EQ(r->query.top_k, 5u);
  EXPECT_EQ(r->query.tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(r->query.since, registry::parse_iso8601("2026-01-01T00:00:00+00:00"));
  EXPECT_EQ(r->query.until, registry::parse_iso8601("2026-02-01T00:00:00+00:00"));
  EXPECT_EQ(r->query.context_ref, "c");
  EXPECT_EQ(r->query.deadline, std::chrono::milliseconds(250));
  EXPECT_EQ(r->query.min_confidence, 0.5);
}

TEST(decode_recall, names_the_bad_field) {
  EXPECT_EQ(recall_error(R"({"recall_mode":"first"})"), "query: required");
  EXPECT_EQ(recall_error(R"({"query":[]})"), "query: expected object, got array []");
  EXPECT_EQ(recall_error(R"({"query":{"top_k":"ten"}})"),
            "query.top_k: expected a non-negative integer, got string \"ten\"");
  EXPECT_EQ(recall_error(R"({"query":{"top_k":-1}})"),
            "query.top_k: expected a non-negative integer, got number -1");
  EXPECT_THAT(recall_error(R"({"query":{"top_k":10001}})"), StartsWith("query.top_k: at most"));
  EXPECT_EQ(recall_error(R"({"query":{"text":5}})"), "query.text: expected string, got number 5");
  EXPECT_EQ(recall_error(R"({"query":{},"filters":{"tags":["a",1]}})"),
            "filters.tags[1]: expected string, got number 1");
  EXPECT_EQ(recall_error(R"({"query":{},"filters":{"since":"yesterday"}})"),
            "filters.since: not an ISO-8601 time: \"yesterday\"");
  EXPECT_EQ(recall_error(R"({"query":{},"recall_mode":"some"})"),
            "recall_mode: expected first, merge or all, got string \"some\"");
  EXPECT_EQ(recall_error(R"({"query":{},"min_confidence":"high"})"),
            "min_confidence: expected number, got string \"high\"");
  EXPECT_EQ(recall_error(R"({"query":{},"deadline_ms":1.5})"),
            "deadline_ms: expected a non-negative integer, got number 1.5E0");
}

TEST(decode_imprint, names_the_bad_field) {
  EXPECT_EQ(imprint_error(R"({"entry":{}})"), "op: required");
  EXPECT_EQ(imprint_error(R"({"op":"put","entry":{}})"),
            "op: expected add, append, upsert, merge or delete, got string \"put\"");
  EXPECT_EQ(imprint_error(R"({"op":"add"})"), "entry: required");
  EXPECT_EQ(imprint_error(R"({"op":"add","entry":"x"})"),
            "entry: expected object, got string \"x\"");
  EXPECT_EQ(imprint_error(R"({"op":"add","entry":{"tags":"a"}})"),
            "entry.tags: expected an array of strings, got string \"a\"");
  EXPECT_EQ(imprint_error(R"({"op":"add","entry":{"meta":[1]}})"),
            "entry.meta: expected object, got array [1]");
  EXPECT_EQ(imprint_error(R"({"op":"add","entry":{"id":7}})"),
            "entry.id: expected string, got number 7");
  EXPECT_EQ(imprint_error(R"({"op":"merge","entry":{}})"),
            "merge_key: required (a non-empty string) when op is merge");
  EXPECT_EQ(imprint_error(R"({"op":"delete","entry":{},"merge_key":"k"})"), "(decoded)");
}

TEST_F(engram_wire, imprint_then_recall_replies_are_parented_and_attributed) {
  auto imprint =
      proto::imprint_signal({.op = "upsert",
                             .entry = obj(R"({"content":{"q":"hello world"},"tags":["t"]})"),
                             .merge_key = "q:1"},
                            {.directed = to_kind("context")});
  auto imprinted = serve_imprint(mem_, imprint);
  ASSERT_TRUE(imprinted);
  EXPECT_EQ(imprinted->type, proto::signal_type::imprinted);
  EXPECT_EQ(imprinted->parent_id, imprint.id);
  EXPECT_EQ(imprinted->trace_id, imprint.trace_id);
  EXPECT_EQ(imprinted->directed,
            (proto::directed{.id = "mem", .type = "context", .capabilities = {}}));
  const auto p = imprinted->payload.to_json();
  EXPECT_EQ(p.at("engram_id"), "mem");
  EXPECT_EQ(p.at("op"), "upsert");
  EXPECT_THAT(std::string(p.at("id").as_string()), StartsWith("eng_"));
  EXPECT_EQ(p.at("version"), 1);
  EXPECT_FALSE(p.contains("error"));
  // The same IMPRINT again (a redelivery) is answered from the idempotency record.
  auto again = serve_imprint(mem_, imprint);
  EXPECT_EQ(again->payload.to_json().at("id"), p.at("id"));
  EXPECT_EQ(mem_.stats().replays, 1u);

  auto recall = proto::recall_signal({.query = obj(R"({"text":"WORLD"})")},
                                     {.directed = to_id("mem"), .trace = imprint.trace_id});
  auto recalled = serve_recall(mem_, recall);
  ASSERT_TRUE(recalled);
  EXPECT_EQ(recalled->type, proto::signal_type::recalled);
  EXPECT_EQ(recalled->parent_id, recall.id);
  const auto& text = recalled->payload.text();
  EXPECT_THAT(text, StartsWith(R"({"engram_id":"mem","hits":[{"id":")"));
  EXPECT_THAT(text, HasSubstr(R"("truncated":false,"took_ms":)"));
  const auto hits = recalled->payload.to_json().at("hits").as_array();
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].at("entry").at("content"), json::parse(R"({"q":"hello world"})"));
  EXPECT_EQ(hits[0].at("entry").at("merge_key"), "q:1");
  EXPECT_TRUE(hits[0].at("score").is_double());
}

TEST_F(engram_wire, requests_for_another_engram_get_no_reply) {
  auto other = proto::recall_signal({.query = obj("{}")}, {.directed = to_id("someone-else")});
  EXPECT_FALSE(serve_recall(mem_, other));
  auto kind = proto::recall_signal({.query = obj("{}")}, {.directed = to_kind("semantic")});
  EXPECT_FALSE(serve_recall(mem_, kind));
  // An id wins over a matching kind.
  auto both = proto::imprint_signal({.op = "append", .entry = obj("{}")},
                                    {.directed = proto::directed{.id = "x", .type = "context"}});
  EXPECT_FALSE(serve_imprint(mem_, both));
  EXPECT_TRUE(mem_.recall({})->hits.empty());
}

TEST_F(engram_wire, op_failures_and_malformed_requests_ride_error) {
  auto merge = proto::imprint_signal({.op = "merge", .entry = obj("{}"), .merge_key = "none"},
                                     {.directed = to_id("mem")});
  auto reply = serve_imprint(mem_, merge)->payload.to_json();
  EXPECT_EQ(reply.at("error"), "no entry for merge_key='none'");
  EXPECT_FALSE(reply.contains("id"));
  auto bad = serve_imprint(mem_, raw(proto::signal_type::imprint, R"({"op":"put"})", to_id("mem")));
  EXPECT_EQ(bad->payload.to_json().at("op"), "put");
  EXPECT_THAT(std::string(bad->payload.to_json().at("error").as_string()), StartsWith("op: "));
  auto bad_recall = serve_recall(
      mem_, raw(proto::signal_type::recall, R"({"query":{"top_k":"x"}})", to_id("mem")));
  const auto r = bad_recall->payload.to_json();
  EXPECT_THAT(std::string(r.at("error").as_string()), StartsWith("query.top_k: "));
  EXPECT_EQ(r.at("hits"), json::array());
}

TEST_F(engram_wire, a_backend_failure_is_reported_as_engram_exception) {
  mem_.close();
  auto recall = proto::recall_signal({.query = obj("{}")}, {.directed = to_id("mem")});
  EXPECT_THAT(std::string(serve_recall(mem_, recall)->payload.to_json().at("error").as_string()),
              StartsWith("engram_exception: "));
  auto imprint =
      proto::imprint_signal({.op = "append", .entry = obj("{}")}, {.directed = to_id("mem")});
  EXPECT_THAT(std::string(serve_imprint(mem_, imprint)->payload.to_json().at("error").as_string()),
              StartsWith("engram_exception: "));
}

// Random JSON of bounded depth, biased towards the shapes the decoders look at.
json::value random_value(std::mt19937& rng, int depth) {
  static const char* strings[] = {
      "", "x", "add", "merge", "first", "all", "2026-01-01T00:00:00Z", "é😀", "upsert", "delete"};
  switch (rng() % (depth > 0 ? 9 : 6)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<std::int64_t>(rng() % 200) - 100;
    case 3:
      return static_cast<double>(rng() % 1000) / 7.0;
    case 4:
    case 5:
      return strings[rng() % std::size(strings)];
    case 6: {
      json::array a;
      for (unsigned n = rng() % 4; n > 0; --n) a.push_back(random_value(rng, depth - 1));
      return a;
    }
    default: {
      static const char* keys[] = {"text",  "tag",   "merge_key", "top_k",   "tags",
                                   "since", "until", "id",        "content", "meta"};
      json::object o;
      for (unsigned n = rng() % 5; n > 0; --n)
        o[keys[rng() % std::size(keys)]] = random_value(rng, depth - 1);
      return o;
    }
  }
}

TEST_F(engram_wire, random_payloads_always_get_a_well_formed_reply) {
  std::mt19937 rng(2026);
  static const char* fields[] = {"query",       "recall_mode", "filters",
                                 "context_ref", "deadline_ms", "min_confidence",
                                 "op",          "entry",       "merge_key"};
  int errors = 0;
  for (int round = 0; round < 5000; ++round) {
    json::object payload;
    for (unsigned n = rng() % 6; n > 0; --n)
      payload[fields[rng() % std::size(fields)]] = random_value(rng, 3);
    const bool is_recall = rng() % 2 == 0;
    auto s = raw(is_recall ? proto::signal_type::recall : proto::signal_type::imprint,
                 json::serialize(payload), to_id("mem"));
    auto reply = is_recall ? serve_recall(mem_, s) : serve_imprint(mem_, s);
    ASSERT_TRUE(reply) << json::serialize(payload);
    EXPECT_EQ(reply->type,
              is_recall ? proto::signal_type::recalled : proto::signal_type::imprinted);
    EXPECT_EQ(reply->parent_id, s.id);
    const auto p = reply->payload.to_json();
    EXPECT_EQ(p.at("engram_id"), "mem");
    if (p.contains("error")) {
      ++errors;
      EXPECT_FALSE(p.at("error").as_string().empty());
    } else if (is_recall) {
      EXPECT_TRUE(p.at("hits").is_array());
    }
    // The reply survives the wire: it decodes and re-encodes to the same bytes.
    const auto bytes = proto::encode(*reply);
    auto back = proto::decode(bytes);
    ASSERT_TRUE(back) << bytes;
    EXPECT_EQ(proto::encode(*back), bytes);
  }
  EXPECT_GT(errors, 1000);  // most random payloads are malformed, and said so
}

}  // namespace
}  // namespace neuromesh::runtime
