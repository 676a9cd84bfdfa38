// The neuromesh command line, run as a process: output and exit codes of validate, signal
// normalize / new and schema on good and bad input.
#include "neuromesh/protocol/codec.h"
#include "neuromesh/testing/testing.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct run_result {
  int code;
  std::string out, err;
};

std::string temp_file(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + "neuromesh_cli_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the binary with args (a shell-quoted string) and stdin from a file.
run_result run(const std::string& args, const std::string& stdin_text = "") {
  std::string in = temp_file("stdin", stdin_text);
  std::string err = ::testing::TempDir() + "neuromesh_cli_stderr";
  std::string cmd = std::string(NEUROMESH_CLI_PATH) + " " + args + " <" + in + " 2>" + err;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, slurp(err)};
}

const std::string good =
    R"({"v":"1","id":"evt_01JV8Y3Q6W5T2K9M4N7P0R1S2T","trace_id":"trc_01JV8Y3Q6W5T2K9M4N7P0R1S2V","parent_id":null,"type":"TASK","directed":{"id":"answerer","type":null,"capabilities":[]},"ts":"2026-05-16T14:22:01.391234Z","payload":{"input":{"q":"hi"}},"meta":{}})";
const std::string lenient =
    R"({"type":"TASK","id":"evt_x","payload":{"input":{}},"ts":"2026-05-16T14:22:01+00:00"})";
const std::string bad = R"({"type":"TASK","payload":null})";

TEST(cli, version_and_help_work_on_every_command) {
  auto v = run("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_TRUE(v.out.starts_with("neuromesh ")) << v.out;
  for (std::string cmd : {"validate", "schema", "signal", "signal normalize", "signal new"}) {
    auto h = run(cmd + " --help");
    EXPECT_EQ(h.code, 0) << cmd;
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << cmd << ": " << h.out;
  }
}

TEST(cli, validate_accepts_the_shipped_examples) {
  auto r = run("validate --strict --warnings " +
               neuromesh::testing::source_path("examples/signals.jsonl"));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 invalid, 0 with warnings"), std::string::npos) << r.out;
}

TEST(cli, validate_reports_each_line_and_fails_on_an_invalid_one) {
  auto r = run("validate -", good + "\n" + bad + "\n" + lenient + "\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("line 1: ok TASK evt_01JV8Y3Q6W5T2K9M4N7P0R1S2T"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("line 2: error: payload: expected object, got null"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("line 3: ok TASK evt_x"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("warning:"), std::string::npos) << r.out;  // only with --warnings
}

TEST(cli, warnings_fail_only_under_strict) {
  auto lax = run("validate --warnings", lenient + "\n");
  EXPECT_EQ(lax.code, 0) << lax.out;
  EXPECT_NE(lax.out.find("line 1: warning: id: 'evt_x' is not a canonical evt_ ULID"),
            std::string::npos)
      << lax.out;
  EXPECT_NE(lax.out.find("line 1: warning: v: missing"), std::string::npos) << lax.out;
  EXPECT_NE(lax.out.find("line 1: warning: ts: not an RFC 3339 UTC time ending in Z"),
            std::string::npos);
  auto strict = run("validate --strict", lenient + "\n");
  EXPECT_EQ(strict.code, 1) << strict.out;
  EXPECT_EQ(run("validate --strict", good + "\n").code, 0);
}

TEST(cli, validate_json_prints_one_object_per_line) {
  auto r = run("validate --json", good + "\n" + bad + "\n");
  EXPECT_EQ(r.code, 1);
  std::istringstream lines(r.out);
  std::string l1, l2;
  std::getline(lines, l1);
  std::getline(lines, l2);
  auto a = boost::json::parse(l1).as_object();
  auto b = boost::json::parse(l2).as_object();
  EXPECT_EQ(a.at("line"), 1);
  EXPECT_EQ(a.at("valid"), true);
  EXPECT_EQ(a.at("type"), "TASK");
  EXPECT_EQ(b.at("valid"), false);
  EXPECT_EQ(b.at("errors").as_array()[0].at("field"), "payload");
}

TEST(cli, normalize_reencodes_valid_lines_and_reports_bad_ones_on_stderr) {
  auto r = run(
      "signal normalize",
      R"({ "type" : "TASK", "id":"evt_a","trace_id":"trc_b","ts":"2026-05-16T14:22:01.5Z","payload":{"x":1E2,"s":"\u00e9"} })"
      "\n" +
          bad + "\n" + good + "\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(
      r.out,
      R"({"v":"1","id":"evt_a","trace_id":"trc_b","parent_id":null,"type":"TASK","directed":null,"ts":"2026-05-16T14:22:01.500000Z","payload":{"x":100.0,"s":"é"},"meta":{}})"
      "\n" +
          good + "\n");
  EXPECT_EQ(r.err, "line 2: payload: expected object, got null\n");
  EXPECT_EQ(run("signal normalize -", good + "\n").code, 0);
}

TEST(cli, signal_new_builds_a_decodable_envelope) {
  auto r = run(
      R"(signal new TASK --payload '{"input":{"q":"hi"}}' --directed-id answerer --capability b --capability a)");
  ASSERT_EQ(r.code, 0) << r.err;
  auto s = neuromesh::protocol::decode(r.out.substr(0, r.out.size() - 1));
  ASSERT_TRUE(s) << s.error().what();
  EXPECT_EQ(s->payload.text(), R"({"input":{"q":"hi"}})");
  EXPECT_EQ(s->directed->id, "answerer");
  EXPECT_EQ(s->directed->capabilities, (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(s->id.is_canonical());
}

TEST(cli, signal_new_names_the_bad_argument) {
  auto t = run("signal new NOPE");
  EXPECT_EQ(t.code, 1);
  EXPECT_NE(t.err.find("TYPE: unknown signal type 'NOPE'"), std::string::npos) << t.err;
  auto p = run(R"(signal new TASK --payload '{"a":')");
  EXPECT_EQ(p.code, 1);
  EXPECT_NE(p.err.find("--payload: invalid JSON"), std::string::npos) << p.err;
  auto rule = run(R"(signal new IMPRINT --payload '{"op":"merge","entry":{}}' --directed-id ctx)");
  EXPECT_EQ(rule.code, 1);
  EXPECT_NE(rule.err.find("merge_key: required when op is merge"), std::string::npos) << rule.err;
}

TEST(cli, schema_prints_the_envelope_schema_or_the_types) {
  auto s = run("schema");
  ASSERT_EQ(s.code, 0);
  auto schema = boost::json::parse(s.out).as_object();
  EXPECT_EQ(schema.at("title"), "Signal");
  auto t = run("schema --types");
  EXPECT_TRUE(t.out.starts_with("TASK\nAGENT_OUTPUT\n")) << t.out;
  std::string path = ::testing::TempDir() + "neuromesh_schema.json";
  EXPECT_EQ(run("schema -o " + path).code, 0);
  EXPECT_EQ(slurp(path), s.out);
}

}  // namespace

// The binary's malloc is mimalloc's in a normal build (cmake/dependencies.cmake says why) and
// the sanitizers' own in the ASan build: with MIMALLOC_VERBOSE=1, mimalloc announces itself
// on stderr when, and only when, it is the allocator that started with the process.
TEST(cli, the_binary_allocates_with_mimalloc_outside_the_sanitizer_build) {
  ::setenv("MIMALLOC_VERBOSE", "1", 1);
  auto r = run("--version");
  ::unsetenv("MIMALLOC_VERBOSE");
  EXPECT_EQ(r.code, 0) << r.err;
  bool announced = r.err.find("mimalloc: process init") != std::string::npos;
  EXPECT_EQ(announced, NEUROMESH_EXPECT_MIMALLOC != 0) << r.err;
}
