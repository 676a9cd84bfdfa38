// `neuromesh bus emit` / `bus poll` as a process, against the real Redis and nats-server of
// scripts/services (NEUROMESH_REDIS_URL, NEUROMESH_NATS_URL): the issue-17 scenario from the
// shell (emit, restart with the same nonce file, emit different events: all of them are held),
// poll's --json and --limit, and the one-line errors for bad input.
#include "cli_run.h"

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <stdexcept>

namespace neuromesh::cli::test {
namespace {

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    throw std::runtime_error(std::string(name) +
                             " is not set: run scripts/services start DIR and source DIR/env");
  }
  return v;
}

std::string unique(const std::string& stem) {
  return stem + std::to_string(::getpid()) + "x" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::string lines(const std::string& tag, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += R"({"run":")" + tag + R"(","i":)" + std::to_string(i) + "}\n";
  return s;
}

std::multiset<std::string> split(const std::string& out) {
  std::multiset<std::string> s;
  std::size_t at = 0;
  while (at < out.size()) {
    auto nl = out.find('\n', at);
    s.insert(out.substr(at, nl - at));
    at = nl == std::string::npos ? out.size() : nl + 1;
  }
  return s;
}

class bus_cli : public ::testing::TestWithParam<const char*> {
 protected:
  std::string url() const { return required_env(GetParam()); }
};

TEST_P(bus_cli, a_restarted_emitter_with_the_same_nonce_file_lands_every_new_event) {
  const auto prefix = unique("cli");
  const auto dir = std::filesystem::temp_directory_path() / unique("nm-cli-");
  std::filesystem::create_directories(dir);
  const auto args = "--adapter " + url() + " --prefix " + prefix + " --shards 2";
  const auto emit = "bus emit " + args + " --nonce-file " + (dir / "nonce").string();
  auto first = run(emit, lines("a", 10));
  ASSERT_EQ(first.code, 0) << first.err;
  auto st = boost::json::parse(first.out).as_object();
  EXPECT_EQ(st.at("events_dispatched").to_number<std::uint64_t>(), 10u);
  EXPECT_EQ(st.at("events_dropped").to_number<std::uint64_t>(), 0u);
  EXPECT_GE(st.at("sequence_leases").to_number<std::uint64_t>(), 1u);
  auto second = run(emit, lines("b", 10));
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(boost::json::parse(second.out).at("events_dispatched").to_number<std::uint64_t>(), 10u);

  auto poll = run("bus poll " + args);
  ASSERT_EQ(poll.code, 0) << poll.err;
  auto want = split(lines("a", 10) + lines("b", 10));
  EXPECT_EQ(split(poll.out), want);
  std::filesystem::remove_all(dir);
}

TEST_P(bus_cli, poll_json_carries_shard_id_and_dedup_id_and_limit_stops_early) {
  const auto args = "--adapter " + url() + " --prefix " + unique("cli") + " --shards 2";
  ASSERT_EQ(run("bus emit " + args, lines("j", 6)).code, 0);
  auto poll = run("bus poll " + args + " --json");
  ASSERT_EQ(poll.code, 0) << poll.err;
  auto rows = split(poll.out);
  ASSERT_EQ(rows.size(), 6u);
  std::set<std::string> dedup_ids;
  for (const auto& row : rows) {
    auto o = boost::json::parse(row).as_object();
    EXPECT_LT(o.at("shard").as_int64(), 2);
    EXPECT_FALSE(o.at("id").as_string().empty());
    dedup_ids.insert(std::string(o.at("dedup_id").as_string()));
    EXPECT_EQ(o.at("event").at("run").as_string(), "j");
  }
  EXPECT_EQ(dedup_ids.size(), 6u);
  auto limited = run("bus poll " + args + " --limit 4");
  EXPECT_EQ(limited.code, 0);
  EXPECT_EQ(split(limited.out).size(), 4u);
}

TEST_P(bus_cli, a_line_that_is_not_json_is_named_and_the_others_are_emitted) {
  const auto args = "--adapter " + url() + " --prefix " + unique("cli");
  auto r = run("bus emit " + args, "{\"ok\":1}\nnot json\n\n{\"ok\":2}\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("line 2: not JSON"), std::string::npos) << r.err;
  auto st = boost::json::parse(r.out).as_object();
  EXPECT_EQ(st.at("events_dispatched").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(st.at("rejected_lines").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(split(run("bus poll " + args).out),
            (std::multiset<std::string>{"{\"ok\":1}", "{\"ok\":2}"}));
}

INSTANTIATE_TEST_SUITE_P(services, bus_cli,
                         ::testing::Values("NEUROMESH_REDIS_URL", "NEUROMESH_NATS_URL"),
                         [](const auto& info) {
                           return std::string(info.param).find("REDIS") != std::string::npos
                                      ? "redis"
                                      : "jetstream";
                         });

TEST(bus_cli_args, an_unknown_adapter_scheme_is_named) {
  auto r = run("bus emit --adapter kafka://x:1", "{}\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--adapter: expected redis://HOST:PORT or nats://HOST:PORT, got "
                       "'kafka://x:1'"),
            std::string::npos)
      << r.err;
  auto p = run("bus poll");
  EXPECT_NE(p.code, 0);
  EXPECT_NE(p.err.find("--adapter is required"), std::string::npos) << p.err;
}

}  // namespace
}  // namespace neuromesh::cli::test
