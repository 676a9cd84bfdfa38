#include "neuromesh/runtime/effector.h"

#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/codec.h"
#include "neuromesh/runtime/effector_calculator.h"
#include "neuromesh/runtime/effector_files.h"
#include "neuromesh/testing/temp_dir.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>

#include <fstream>
#include <random>

namespace neuromesh::runtime {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace json = boost::json;
namespace proto = protocol;

proto::raw_object obj(std::string_view text) { return proto::raw_object::parse(text).value(); }

proto::signal call_signal(std::string_view payload, std::optional<proto::directed> d) {
  proto::signal s;
  s.type = proto::signal_type::tool_call;
  s.payload = obj(payload);
  s.directed = std::move(d);
  return s;
}

// The TOOL_RESULT payload for one call addressed to fx by id.
json::object result_of(effector& fx, std::string_view payload) {
  auto reply = serve_tool_call(fx, call_signal(payload, proto::directed{.id = fx.effector_id()}));
  EXPECT_TRUE(reply);
  return reply ? reply->payload.to_json() : json::object();
}

std::string error_of(effector& fx, std::string_view payload) {
  auto r = result_of(fx, payload);
  EXPECT_FALSE(r.contains("result")) << json::serialize(r);
  return r.contains("error") ? std::string(r.at("error").as_string()) : "(no error)";
}

TEST(calculator, adds_subtracts_multiplies_and_divides) {
  calculator_effector calc;
  EXPECT_EQ(result_of(calc, R"({"tool":"add","args":{"a":2,"b":3}})").at("result"), 5);
  EXPECT_EQ(result_of(calc, R"({"tool":"sub","args":{"a":2,"b":3.5}})").at("result"), -1.5);
  EXPECT_EQ(result_of(calc, R"({"tool":"mul","args":{"a":-4,"b":3}})").at("result"), -12);
  EXPECT_EQ(result_of(calc, R"({"tool":"div","args":{"a":7,"b":2}})").at("result"), 3.5);
  // 64-bit overflow falls back to floating point instead of wrapping.
  EXPECT_TRUE(result_of(calc, R"({"tool":"mul","args":{"a":9223372036854775807,"b":2}})")
                  .at("result")
                  .is_double());
}

TEST(calculator, failures_are_errors_on_the_result_never_a_crash) {
  calculator_effector calc;
  EXPECT_EQ(error_of(calc, R"({"tool":"div","args":{"a":1,"b":0}})"), "div: division by zero");
  EXPECT_EQ(error_of(calc, R"({"tool":"div","args":{"a":1,"b":0.0}})"), "div: division by zero");
  EXPECT_EQ(error_of(calc, R"({"tool":"add","args":{"a":1}})"), "add: args.b: required");
  EXPECT_EQ(error_of(calc, R"({"tool":"add","args":{"a":"1","b":2}})"),
            "add: args.a: expected a number, got \"1\"");
  EXPECT_EQ(error_of(calc, R"({"tool":"mul","args":{"a":1e308,"b":10}})"),
            "mul: result is not finite");
}

TEST(serve_tool_call, replies_on_the_trace_parented_to_the_call_with_the_call_id) {
  calculator_effector calc;
  auto call =
      proto::tool_call_signal({.tool = "add", .args = obj(R"({"a":1,"b":2})"), .call_id = "c-7"},
                              {.directed = proto::directed{.type = "calculator"}});
  auto reply = serve_tool_call(calc, call);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->type, proto::signal_type::tool_result);
  EXPECT_EQ(reply->trace_id, call.trace_id);
  EXPECT_EQ(reply->parent_id, call.id);
  EXPECT_EQ(reply->directed,
            (proto::directed{.id = "calculator", .type = "calculator", .capabilities = {}}));
  EXPECT_EQ(reply->payload.text(), R"({"tool":"add","result":3,"call_id":"c-7"})");
}

TEST(serve_tool_call, picks_the_calls_meant_for_this_effector) {
  calculator_effector calc;
  auto elsewhere = call_signal(R"({"tool":"add","args":{}})", proto::directed{.id = "other"});
  EXPECT_FALSE(serve_tool_call(calc, elsewhere));
  // By kind, a tool this one does not serve is left to another Effector of the kind.
  auto by_kind = call_signal(R"({"tool":"sqrt","args":{}})", proto::directed{.type = "calculator"});
  EXPECT_FALSE(serve_tool_call(calc, by_kind));
  // By id, the caller learns at once that the tool does not exist here.
  EXPECT_EQ(error_of(calc, R"({"tool":"sqrt","args":{"a":4}})"),
            "unknown tool 'sqrt'; calculator serves: add, sub, mul, div");
  // An open call (no id, no kind) is answered by whoever serves the tool.
  EXPECT_TRUE(
      serve_tool_call(calc, call_signal(R"({"tool":"add","args":{"a":1,"b":1}})", std::nullopt)));
  EXPECT_FALSE(serve_tool_call(calc, call_signal(R"({"tool":"read"})", std::nullopt)));
}

TEST(serve_tool_call, a_malformed_call_gets_an_error_naming_the_field) {
  calculator_effector calc;
  EXPECT_EQ(error_of(calc, R"({"args":{}})"), "tool: required");
  EXPECT_EQ(error_of(calc, R"({"tool":""})"), "tool: expected a non-empty string, got \"\"");
  EXPECT_EQ(error_of(calc, R"({"tool":"add","args":[1,2]})"), "args: expected object, got [1,2]");
  auto r = result_of(calc, R"({"tool":"add","args":{"a":1,"b":1},"call_id":5})");
  EXPECT_EQ(r.at("error"), "call_id: expected string, got 5");
  EXPECT_EQ(r.at("tool"), "add");
}

class throwing_effector final : public effector {
 public:
  throwing_effector() : effector({"boom", "test", {}, {}}) {}
  tool_outcome call(const tool_call&) override { throw std::runtime_error("backend down"); }
};

TEST(serve_tool_call, an_exception_in_the_effector_becomes_an_error) {
  throwing_effector fx;
  EXPECT_EQ(error_of(fx, R"({"tool":"anything"})"), "effector_exception: backend down");
}

class files : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "root" / "notes");
    write(dir_.path() / "root" / "notes" / "a.txt", "hello files");
    write(dir_.path() / "root" / "bad.bin", std::string("ok\xff\xfe", 4));
    write(dir_.path() / "secret.txt", "outside");
    std::filesystem::create_symlink(dir_.path() / "secret.txt", dir_.path() / "root" / "link");
    fx_ = std::make_unique<files_effector>(dir_.path() / "root");
  }
  static void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  }
  neuromesh::testing::temp_dir dir_;
  std::unique_ptr<files_effector> fx_;
};

TEST_F(files, reads_lists_and_stats_inside_the_root) {
  auto read = result_of(*fx_, R"({"tool":"read","args":{"path":"notes/./a.txt"}})");
  EXPECT_EQ(read.at("result"), json::parse(R"({"path":"notes/a.txt","size":11,)"
                                           R"("content":"hello files","truncated":false})"));
  auto part = result_of(*fx_, R"({"tool":"read","args":{"path":"notes/a.txt","max_bytes":5}})");
  EXPECT_EQ(part.at("result").at("content"), "hello");
  EXPECT_EQ(part.at("result").at("truncated"), true);
  auto bin = result_of(*fx_, R"({"tool":"read","args":{"path":"bad.bin"}})");
  EXPECT_EQ(bin.at("result").at("content"), "ok\xef\xbf\xbd\xef\xbf\xbd");
  auto list = result_of(*fx_, R"({"tool":"list","args":{}})");
  EXPECT_EQ(list.at("result").at("entries"),
            json::parse(R"([{"name":"bad.bin","type":"file","size":4},)"
                        R"({"name":"link","type":"link"},{"name":"notes","type":"dir"}])"));
  auto stat = result_of(*fx_, R"({"tool":"stat","args":{"path":"notes"}})");
  EXPECT_EQ(stat.at("result"), json::parse(R"({"path":"notes","type":"dir"})"));
}

TEST_F(files, refuses_every_way_out_of_the_root) {
  EXPECT_EQ(error_of(*fx_, R"({"tool":"read","args":{"path":"../secret.txt"}})"),
            "read: path '../secret.txt' leaves the root folder");
  EXPECT_EQ(error_of(*fx_, R"({"tool":"read","args":{"path":"notes/../../secret.txt"}})"),
            "read: path 'notes/../../secret.txt' leaves the root folder");
  EXPECT_THAT(error_of(*fx_, R"({"tool":"read","args":{"path":"/etc/passwd"}})"),
              HasSubstr("is absolute"));
  EXPECT_EQ(error_of(*fx_, R"({"tool":"read","args":{"path":"link"}})"),
            "read: path 'link' leaves the root folder (through a link)");
  EXPECT_EQ(error_of(*fx_, R"({"tool":"list","args":{"path":".."}})"),
            "list: path '..' leaves the root folder");
}

TEST_F(files, bad_arguments_and_missing_files_are_clear_errors) {
  EXPECT_EQ(error_of(*fx_, R"({"tool":"read","args":{}})"), "read: args.path: required");
  EXPECT_EQ(error_of(*fx_, R"({"tool":"read","args":{"path":3}})"),
            "read: args.path: expected a string");
  EXPECT_EQ(error_of(*fx_, R"({"tool":"read","args":{"path":"nope.txt"}})"),
            "read: no such file or folder: 'nope.txt'");
  EXPECT_EQ(error_of(*fx_, R"({"tool":"read","args":{"path":"notes"}})"),
            "read: 'notes' is a folder; use list");
  EXPECT_THAT(error_of(*fx_, R"({"tool":"read","args":{"path":"notes/a.txt","max_bytes":0}})"),
              StartsWith("read: args.max_bytes: "));
  EXPECT_THROW(files_effector(dir_.path() / "missing"), std::invalid_argument);
}

TEST(serve_tool_call, random_payloads_always_get_exactly_one_of_result_or_error) {
  calculator_effector calc;
  neuromesh::testing::temp_dir dir;
  files_effector reader(dir.path());
  std::mt19937 rng(99);
  const char* tools[] = {"add", "sub", "mul", "div", "read", "list", "stat", "", "zz"};
  const char* values[] = {"1",
                          "0",
                          "-2.5",
                          "\"x\"",
                          "null",
                          "[]",
                          "{}",
                          "true",
                          "\"../..\"",
                          "1e308",
                          "9223372036854775807"};
  for (int round = 0; round < 5000; ++round) {
    std::string payload = "{";
    if (rng() % 8 != 0)
      payload += std::string("\"tool\":") +
                 (rng() % 10 == 0 ? values[rng() % std::size(values)]
                                  : "\"" + std::string(tools[rng() % std::size(tools)]) + "\"") +
                 ",";
    payload += "\"args\":";
    if (rng() % 6 == 0) {
      payload += values[rng() % std::size(values)];
    } else {
      payload += "{";
      const char* keys[] = {"a", "b", "path", "max_bytes"};
      for (unsigned n = rng() % 4, k = 0; k < n; ++k)
        payload += std::string(k ? "," : "") + "\"" + keys[rng() % 4] +
                   "\":" + values[rng() % std::size(values)];
      payload += "}";
    }
    if (rng() % 3 == 0) payload += std::string(",\"call_id\":") + values[rng() % std::size(values)];
    payload += "}";
    effector& fx = rng() % 2 ? static_cast<effector&>(calc) : static_cast<effector&>(reader);
    auto reply = serve_tool_call(fx, call_signal(payload, proto::directed{.id = fx.effector_id()}));
    ASSERT_TRUE(reply) << payload;
    const auto p = reply->payload.to_json();
    EXPECT_NE(p.contains("result"), p.contains("error"))
        << payload << " -> " << reply->payload.text();
    EXPECT_TRUE(p.at("tool").is_string());
    auto back = proto::decode(proto::encode(*reply));
    ASSERT_TRUE(back);
  }
}

}  // namespace
}  // namespace neuromesh::runtime
