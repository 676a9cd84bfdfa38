// `neuromesh cortex` run as a process: log append / tail / stat, tasks and memories, bad
// arguments, tail --follow woken by another process's append, and crash tests: a child
// appending under each fsync policy is SIGKILLed mid-stream and the log reopens with every
// printed seq and no garbage.
#include "neuromesh/cortex/redex.h"
#include "neuromesh/testing/child_process.h"
#include "test_dir.h"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace neuromesh::cortex {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using neuromesh::testing::child_process;
// `log append` reads its stdin; stderr goes to the test log.
const neuromesh::testing::child_options cli{.pipe_stdin = true,
                                            .err = neuromesh::testing::stderr_to::inherit};

struct run_result {
  int code;
  std::string out, err;
};

run_result run(const std::string& args, const std::string& stdin_text = "") {
  static int n = 0;
  auto base = ::testing::TempDir() + fmt::format("cortex_cli_{}_{}", ::getpid(), n++);
  { std::ofstream(base + ".in", std::ios::binary) << stdin_text; }
  std::string cmd = fmt::format("{} {} <{}.in 2>{}.err", NEUROMESH_CLI_PATH, args, base, base);
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t k = fread(buf, 1, sizeof buf, p)) out.append(buf, k);
  int status = pclose(p);
  std::ifstream e(base + ".err");
  std::stringstream ss;
  ss << e.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, ss.str()};
}

TEST(cortex_cli, log_append_tail_and_stat) {
  test::temp_dir d;
  auto dir = d.path.string();
  auto a = run("cortex log append --dir " + dir + " --log orders/audit", "alpha\nbeta\ngamma\n");
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, "seq 0\nseq 1\nseq 2\n");
  auto b = run("cortex log append --dir " + dir + " --log orders/audit --fsync always", "delta\n");
  EXPECT_EQ(b.out, "seq 3\n");
  auto t = run("cortex log tail --dir " + dir + " --log orders/audit");
  EXPECT_EQ(t.code, 0) << t.err;
  EXPECT_EQ(t.out, "alpha\nbeta\ngamma\ndelta\n");
  EXPECT_EQ(run("cortex log tail --dir " + dir + " --log orders/audit --from 2").out,
            "gamma\ndelta\n");
  auto s = run("cortex log stat --dir " + dir + " --log orders/audit --json");
  EXPECT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(s.out, "{\"count\":4,\"bytes\":99,\"first_seq\":0,\"last_seq\":3}\n");
}

TEST(cortex_cli, bad_arguments_get_one_line_errors) {
  test::temp_dir d;
  auto dir = d.path.string();
  auto bad_name = run("cortex log append --dir " + dir + " --log Orders", "x\n");
  EXPECT_EQ(bad_name.code, 1);
  EXPECT_NE(bad_name.err.find("invalid channel name \"Orders\": uppercase"), std::string::npos)
      << bad_name.err;
  auto bad_fsync = run("cortex log append --dir " + dir + " --log a --fsync every:0", "x\n");
  EXPECT_EQ(bad_fsync.code, 1);
  EXPECT_NE(bad_fsync.err.find("--fsync"), std::string::npos) << bad_fsync.err;
  auto missing = run("cortex log stat --dir " + dir + " --log nope --json");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no log \"nope\""), std::string::npos) << missing.err;
  auto bad_id = run("cortex tasks create --dir " + dir + " --id x1 --title t");
  EXPECT_EQ(bad_id.code, 1);
  EXPECT_NE(bad_id.err.find("--id"), std::string::npos) << bad_id.err;
  auto unknown = run("cortex tasks complete --dir " + dir + " --id 9");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("task 9: no such id"), std::string::npos) << unknown.err;
  auto status = run("cortex tasks list --dir " + dir + " --status done --json");
  EXPECT_EQ(status.code, 1);
  EXPECT_NE(status.err.find("--status"), std::string::npos) << status.err;
}

TEST(cortex_cli, tasks_create_complete_list) {
  test::temp_dir d;
  auto dir = " --dir " + d.path.string();
  EXPECT_EQ(run("cortex tasks create" + dir + " --id 1 --title 'write docs'").out, "seq 0\n");
  EXPECT_EQ(run("cortex tasks create" + dir + " --id 2 --title review").code, 0);
  EXPECT_EQ(run("cortex tasks complete" + dir + " --id 1").out, "seq 2\n");
  auto all = json::parse(run("cortex tasks list" + dir + " --json").out).as_array();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].at("id").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(all[0].at("title").as_string(), "write docs");
  EXPECT_EQ(all[0].at("status").as_string(), "completed");
  EXPECT_EQ(all[1].at("status").as_string(), "pending");
  auto pending = json::parse(run("cortex tasks list" + dir + " --status pending --json").out);
  ASSERT_EQ(pending.as_array().size(), 1u);
  EXPECT_EQ(pending.as_array()[0].at("id").to_number<std::uint64_t>(), 2u);
}

TEST(cortex_cli, memories_add_and_find) {
  test::temp_dir d;
  auto dir = " --dir " + d.path.string();
  EXPECT_EQ(
      run("cortex memories add" + dir + " --id 1 --content 'uses ccache' --tag build --tag ci")
          .code,
      0);
  EXPECT_EQ(
      run("cortex memories add" + dir + " --id 2 --content 'deploy with helm' --tag ops --pinned")
          .code,
      0);
  auto ci = json::parse(run("cortex memories find" + dir + " --tag ci --json").out).as_array();
  ASSERT_EQ(ci.size(), 1u);
  EXPECT_EQ(ci[0].at("content").as_string(), "uses ccache");
  EXPECT_EQ(ci[0].at("tags").as_array().size(), 2u);
  auto helm = json::parse(run("cortex memories find" + dir + " --text helm --json").out).as_array();
  ASSERT_EQ(helm.size(), 1u);
  EXPECT_TRUE(helm[0].at("pinned").as_bool());
  EXPECT_EQ(json::parse(run("cortex memories find" + dir + " --json").out).as_array().size(), 2u);
}

TEST(cortex_cli, tail_follow_prints_records_another_process_appends) {
  test::temp_dir d;
  auto dir = d.path.string();
  ASSERT_EQ(run("cortex log append --dir " + dir + " --log feed", "first\n").code, 0);
  child_process tail(
      {NEUROMESH_CLI_PATH, "cortex", "log", "tail", "--dir", dir, "--log", "feed", "--follow"},
      cli);
  EXPECT_EQ(tail.out_line(10s), "first");
  child_process writer(
      {NEUROMESH_CLI_PATH, "cortex", "log", "append", "--dir", dir, "--log", "feed"}, cli);
  ASSERT_TRUE(writer.write_in("second\nthird\n"));
  writer.close_in();
  EXPECT_EQ(writer.wait(), 0);
  EXPECT_EQ(tail.out_line(10s), "second");
  EXPECT_EQ(tail.out_line(10s), "third");
}

// A child appends numbered lines under the policy; after `printed` seqs it is SIGKILLed.
// The log must reopen with a prefix of the lines written (no garbage, nothing reordered)
// that contains every seq the child printed: the process died, the page cache did not, so
// this holds for every policy; `always` additionally fsynced each one before printing.
void crash_and_check(const std::string& policy, int printed) {
  test::temp_dir d;
  auto dir = d.path.string();
  child_process child({NEUROMESH_CLI_PATH, "cortex", "log", "append", "--dir", dir, "--log",
                       "crash", "--fsync", policy},
                      cli);
  // Lines of varying length, some exactly 8 bytes (inline records).
  auto line = [](int i) {
    return i % 5 == 0 ? fmt::format("{:08}", i)
                      : fmt::format("record-{}-{}", i, std::string(i % 97, 'x'));
  };
  std::string feed;
  for (int i = 0; i < 20000; ++i) feed += line(i) + "\n";
  std::thread feeder([&] { child.write_in(feed); });
  int last = -1;
  for (int i = 0; i < printed; ++i) {
    auto l = child.out_line(30s);
    ASSERT_EQ(l, fmt::format("seq {}", i)) << policy << ": child printed only " << i << " seqs";
    last = i;
  }
  child.kill();
  feeder.join();

  redex logs(d.path);
  redex_file_config cfg;
  cfg.persistent = true;
  auto f = logs.open_file(channel_name::parse("crash"), cfg);
  auto got = f->read(0, 1 << 20);
  ASSERT_GE(static_cast<int>(got.size()), last + 1) << policy << ": printed seqs lost";
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].seq, i) << policy;
    ASSERT_EQ(got[i].payload, line(static_cast<int>(i))) << policy << ": garbage at " << i;
  }
  ASSERT_TRUE(f->append("after-crash"));
}

TEST(cortex_cli, crash_mid_append_with_fsync_never_keeps_a_clean_prefix) {
  crash_and_check("never", 3000);
}
TEST(cortex_cli, crash_mid_append_with_fsync_always_keeps_every_printed_seq) {
  crash_and_check("always", 150);
}
TEST(cortex_cli, crash_mid_append_with_fsync_every_n_keeps_a_clean_prefix) {
  crash_and_check("every:16", 1500);
}
TEST(cortex_cli, crash_mid_append_with_fsync_interval_keeps_a_clean_prefix) {
  crash_and_check("interval:5", 2000);
}

}  // namespace
}  // namespace neuromesh::cortex
