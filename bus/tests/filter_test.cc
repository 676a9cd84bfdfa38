#include "neuromesh/bus/filter.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <random>

namespace neuromesh::bus {
namespace {

boost::json::value J(std::string_view s) { return boost::json::parse(s); }

TEST(filter, equality_on_a_path) {
  auto f = filter::eq("type", "token");
  EXPECT_TRUE(f.matches(J(R"({"type":"token","value":"hello"})")));
  EXPECT_FALSE(f.matches(J(R"({"type":"message"})")));
  EXPECT_FALSE(f.matches(J(R"({"value":"hello"})")));
}

TEST(filter, nested_paths_and_array_indexes) {
  EXPECT_TRUE(filter::eq("user.profile.name", "Alice")
                  .matches(J(R"({"user":{"profile":{"name":"Alice","age":30}}})")));
  EXPECT_TRUE(filter::eq("items.0.name", "first")
                  .matches(J(R"({"items":[{"name":"first"},{"name":"second"}]})")));
  EXPECT_FALSE(filter::eq("items.5.name", "first").matches(J(R"({"items":[{"name":"first"}]})")));
}

TEST(filter, and_or_not) {
  auto both = filter::all_of({filter::eq("type", "token"), filter::eq("index", 0)});
  EXPECT_TRUE(both.matches(J(R"({"type":"token","index":0})")));
  EXPECT_FALSE(both.matches(J(R"({"type":"token","index":1})")));
  auto either = filter::any_of({filter::eq("type", "token"), filter::eq("type", "message")});
  EXPECT_TRUE(either.matches(J(R"({"type":"message"})")));
  EXPECT_FALSE(either.matches(J(R"({"type":"error"})")));
  auto not_error = filter::negate(filter::eq("type", "error"));
  EXPECT_TRUE(not_error.matches(J(R"({"type":"token"})")));
  EXPECT_FALSE(not_error.matches(J(R"({"type":"error"})")));
}

TEST(filter, empty_and_matches_nothing) {
  EXPECT_FALSE(filter::all_of({}).matches(J("{}")));
  EXPECT_FALSE(filter::any_of({}).matches(J("{}")));
}

TEST(filter, parses_every_reference_form) {
  auto f = filter::parse_json(
      R"({"$and":[{"$or":[{"path":"t","value":"a"},{"$eq":{"path":"t","value":"b"}}]},)"
      R"({"$not":{"path":"user","value":"bot"}}]})");
  ASSERT_TRUE(f) << f.error().what();
  EXPECT_TRUE(f->matches(J(R"({"t":"b","user":"ann"})")));
  EXPECT_FALSE(f->matches(J(R"({"t":"b","user":"bot"})")));
  EXPECT_FALSE(f->matches(J(R"({"t":"c","user":"ann"})")));
  auto again = filter::parse(f->to_json());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->matches(J(R"({"t":"a","user":"ann"})")));
}

TEST(filter, errors_name_the_field) {
  EXPECT_EQ(filter::parse_json(R"({"$and":[{"path":1,"value":2}]})").error().field,
            "filter.$and[0].path");
  EXPECT_EQ(filter::parse_json(R"({"$or":{}})").error().field, "filter.$or");
  EXPECT_EQ(filter::parse_json(R"({"$xor":[]})").error().field, "filter.$xor");
  EXPECT_EQ(filter::parse_json(R"({"path":"a"})").error().field, "filter.value");
  EXPECT_EQ(filter::parse_json("[").error().field, "filter");
}

TEST(filter, rejects_adversarial_nesting) {
  std::string s;
  for (int i = 0; i < 10000; ++i) s += R"({"$not":)";
  s += R"({"path":"x","value":1})";
  s += std::string(10000, '}');
  EXPECT_FALSE(filter::parse_json(s));
}

TEST(filter, fuzzed_documents_never_crash) {
  std::string seed =
      R"({"$and":[{"$or":[{"path":"t","value":"a"}]},{"$not":{"path":"u","value":1}}]})";
  std::mt19937 rng(3);
  const char alphabet[] = R"({}[]:,"$andortpathvalue0123 )";
  auto ev = J(R"({"t":"a","u":2})");
  for (int i = 0; i < 20000; ++i) {
    std::string t = seed;
    for (int e = 0; e < 1 + static_cast<int>(rng() % 3); ++e) {
      auto pos = rng() % (t.size() + 1);
      if (rng() % 2 && pos < t.size()) {
        t = t.substr(0, pos) + t.substr(pos + 1);
      } else {
        t = t.substr(0, pos) + alphabet[rng() % (sizeof alphabet - 1)] + t.substr(pos);
      }
    }
    auto f = filter::parse_json(t);
    if (f) (void)f->matches(ev);
  }
}

}  // namespace
}  // namespace neuromesh::bus
