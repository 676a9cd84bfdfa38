// The disk backend: the idx/dat/ts layout, restart, torn tails written by hand, damage that
// must not be truncated, fsync policies, and a randomized test of the recovery decoder.
#include "neuromesh/cortex/index_record.h"
#include "neuromesh/cortex/redex.h"
#include "test_dir.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace neuromesh::cortex {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

redex_file_config disk(fsync_policy p = fsync_policy::never()) {
  redex_file_config c;
  c.persistent = true;
  c.fsync = p;
  return c;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void spit(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

// Writes n records "payload-<i>" and closes.
fs::path write_log(const fs::path& base, const std::string& name, int n) {
  redex mgr(base);
  auto f = mgr.open_file(channel_name::parse(name), disk());
  for (int i = 0; i < n; ++i) EXPECT_TRUE(f->append(fmt::format("payload-{}", i)));
  return redex::file_dir(base, channel_name::parse(name));
}

std::vector<std::string> reopen_payloads(const fs::path& base, const std::string& name) {
  redex mgr(base);
  auto f = mgr.open_file(channel_name::parse(name), disk());
  std::vector<std::string> out;
  for (auto& e : f->read(0, 1 << 20)) out.push_back(e.payload);
  return out;
}

TEST(redex_disk, files_follow_the_index_data_timestamp_layout) {
  test::temp_dir d;
  {
    redex mgr(d.path);
    auto f = mgr.open_file(channel_name::parse("orders/audit"), disk());
    ASSERT_TRUE(f->append("hello"));     // heap, 5 bytes
    ASSERT_TRUE(f->append("12345678"));  // exactly 8 bytes: inline
  }
  auto dir = d.path / "orders" / "audit";
  auto idx = slurp(dir / "idx"), dat = slurp(dir / "dat"), ts = slurp(dir / "ts");
  ASSERT_EQ(idx.size(), 40u);
  EXPECT_EQ(dat, "hello");
  EXPECT_EQ(ts.size(), 16u);
  auto r0 = index_record::decode(idx.data());
  EXPECT_EQ(r0.seq, 0u);
  EXPECT_EQ(r0.offset, 0u);
  EXPECT_EQ(r0.len, 5u);
  EXPECT_FALSE(r0.is_inline());
  EXPECT_EQ(r0.checksum(), payload_checksum("hello"));
  auto r1 = index_record::decode(idx.data() + 20);
  EXPECT_EQ(r1.seq, 1u);
  EXPECT_TRUE(r1.is_inline());
  auto inl = r1.inline_payload();
  EXPECT_EQ(std::string(inl.data(), 8), "12345678");
}

TEST(redex_disk, restart_restores_records_timestamps_and_tombstones) {
  test::temp_dir d;
  std::vector<redex_event> before;
  {
    redex mgr(d.path);
    auto f = mgr.open_file(channel_name::parse("log"), disk());
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(f->append(std::string(i * 13, char('a' + i))));
    ASSERT_TRUE(f->tombstone(4));
    before = f->read(0, 100);
  }
  redex mgr(d.path);
  auto f = mgr.open_file(channel_name::parse("log"), disk());
  auto after = f->read(0, 100);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].seq, before[i].seq);
    EXPECT_EQ(after[i].payload, before[i].payload);
    EXPECT_EQ(after[i].ts_ns, before[i].ts_ns);
  }
  EXPECT_EQ(f->next_seq(), 21u);
  EXPECT_EQ(f->stats().recovered_truncated, 0u);
  auto seq = f->append("more");
  ASSERT_TRUE(seq);
  EXPECT_EQ(*seq, 21u);
}

TEST(redex_disk, a_partial_index_record_is_truncated_on_reopen) {
  test::temp_dir d;
  auto dir = write_log(d.path, "torn", 5);
  auto idx = slurp(dir / "idx");
  spit(dir / "idx", idx + idx.substr(20, 11));  // 11 bytes of a sixth record
  auto got = reopen_payloads(d.path, "torn");
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[4], "payload-4");
  EXPECT_EQ(fs::file_size(dir / "idx"), 100u);
}

TEST(redex_disk, an_index_record_whose_payload_never_reached_dat_is_truncated) {
  test::temp_dir d;
  auto dir = write_log(d.path, "torn", 5);
  // Crash after idx but with dat short: cut the last payload in half.
  auto dat = slurp(dir / "dat");
  spit(dir / "dat", dat.substr(0, dat.size() - 4));
  auto got = reopen_payloads(d.path, "torn");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got.back(), "payload-3");
  EXPECT_EQ(fs::file_size(dir / "dat"), dat.size() - 9);  // trailing half-payload dropped
}

TEST(redex_disk, dat_bytes_without_an_index_record_are_dropped) {
  test::temp_dir d;
  auto dir = write_log(d.path, "torn", 3);
  spit(dir / "dat", slurp(dir / "dat") + "orphan bytes");
  EXPECT_EQ(reopen_payloads(d.path, "torn").size(), 3u);
  redex mgr(d.path);
  auto f = mgr.open_file(channel_name::parse("torn"), disk());
  ASSERT_TRUE(f->append("next"));
  f->close();
  auto again = reopen_payloads(d.path, "torn");
  ASSERT_EQ(again.size(), 4u);
  EXPECT_EQ(again.back(), "next");
}

TEST(redex_disk, a_zero_filled_tail_after_power_loss_is_truncated) {
  test::temp_dir d;
  auto dir = write_log(d.path, "zeros", 4);
  spit(dir / "idx", slurp(dir / "idx") + std::string(60, '\0'));
  spit(dir / "dat", slurp(dir / "dat") + std::string(30, '\0'));
  EXPECT_EQ(reopen_payloads(d.path, "zeros").size(), 4u);
}

TEST(redex_disk, a_missing_timestamp_is_filled_in) {
  test::temp_dir d;
  auto dir = write_log(d.path, "ts", 3);
  auto ts = slurp(dir / "ts");
  spit(dir / "ts", ts.substr(0, 16));
  EXPECT_EQ(reopen_payloads(d.path, "ts").size(), 3u);
  EXPECT_EQ(fs::file_size(dir / "ts"), 24u);
}

TEST(redex_disk, damage_followed_by_intact_records_is_an_error_not_a_truncation) {
  test::temp_dir d;
  auto dir = write_log(d.path, "bad", 10);
  auto dat = slurp(dir / "dat");
  dat[20] ^= 0x55;  // inside record 2's payload
  spit(dir / "dat", dat);
  redex mgr(d.path);
  try {
    mgr.open_file(channel_name::parse("bad"), disk());
    FAIL() << "opened a log damaged in the middle";
  } catch (const redex_error& e) {
    EXPECT_EQ(e.code(), errc::corrupt);
    std::string what = e.what();
    EXPECT_NE(what.find("record 2 (seq 2)"), std::string::npos) << what;
    EXPECT_NE(what.find("checksum"), std::string::npos) << what;
  }
  EXPECT_EQ(slurp(dir / "dat"), dat);  // untouched
}

TEST(redex_disk, every_n_fsyncs_once_per_n_appends_and_close_always_fsyncs) {
  test::temp_dir d;
  redex mgr(d.path);
  auto f = mgr.open_file(channel_name::parse("sync"), disk(fsync_policy::every_n(4)));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(f->append("x"));
  EXPECT_EQ(f->stats().fsyncs, 2u);
  auto g = mgr.open_file(channel_name::parse("never"), disk());
  ASSERT_TRUE(g->append("x"));
  EXPECT_EQ(g->stats().fsyncs, 0u);
  ASSERT_TRUE(g->close());
  EXPECT_EQ(g->stats().fsyncs, 1u);
}

TEST(redex_disk, interval_policy_fsyncs_in_the_background) {
  test::temp_dir d;
  redex mgr(d.path);
  auto f = mgr.open_file(channel_name::parse("interval"),
                         disk(fsync_policy::interval(std::chrono::milliseconds(5))));
  ASSERT_TRUE(f->append("x"));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (f->stats().fsyncs == 0 && std::chrono::steady_clock::now() < deadline)
    f->wait_for_append(f->next_seq(), std::chrono::steady_clock::now() + 1ms);
  EXPECT_GE(f->stats().fsyncs, 1u);
}

TEST(redex_disk, fsync_policy_parses_the_cli_forms) {
  EXPECT_EQ(fsync_policy::parse("never").value(), fsync_policy::never());
  EXPECT_EQ(fsync_policy::parse("always").value(), fsync_policy::every_n(1));
  EXPECT_EQ(fsync_policy::parse("every:100").value(), fsync_policy::every_n(100));
  EXPECT_EQ(fsync_policy::parse("interval:50").value(), fsync_policy::interval(50ms));
  for (auto bad : {"", "every:", "every:0", "every:x", "interval:0", "sometimes", "every:-1"})
    EXPECT_FALSE(fsync_policy::parse(bad)) << bad;
  EXPECT_EQ(fsync_policy::parse("every:7")->str(), "every:7");
}

TEST(redex_disk, persistent_without_a_directory_is_a_config_error) {
  redex mem;
  EXPECT_THROW(mem.open_file(channel_name::parse("x"), disk()), redex_error);
}

// Random damage to a valid log (truncation, bit flips, garbage, appended junk, zeroed
// ranges) must end in either a clean open of a prefix of the original records or a
// redex_error naming the damage: never a crash, never a record that was not written.
TEST(redex_disk, recovery_of_randomly_damaged_files_yields_a_prefix_or_a_clear_error) {
  test::temp_dir d;
  auto pristine_dir = write_log(d.path, "pristine", 40);
  std::vector<std::string> originals;
  for (int i = 0; i < 40; ++i) originals.push_back(fmt::format("payload-{}", i));
  std::array<std::string, 3> files{"idx", "dat", "ts"};
  std::array<std::string, 3> good;
  for (int i = 0; i < 3; ++i) good[i] = slurp(pristine_dir / files[i]);

  std::mt19937_64 rng(20261130);
  int opened = 0, refused = 0;
  for (int round = 0; round < 400; ++round) {
    auto name = fmt::format("fuzz/r{}", round);
    auto dir = redex::file_dir(d.path, channel_name::parse(name));
    fs::create_directories(dir);
    for (int i = 0; i < 3; ++i) {
      std::string s = good[i];
      int op = static_cast<int>(rng() % 6);
      if (i != static_cast<int>(rng() % 3) && op < 5) op = 5;  // mostly damage one file
      auto pos = s.empty() ? 0 : rng() % s.size();
      switch (op) {
        case 0:
          s.resize(pos);
          break;
        case 1:
          if (!s.empty()) s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8)));
          break;
        case 2:
          for (int k = 0; k < 1 + static_cast<int>(rng() % 40); ++k) s.push_back(char(rng()));
          break;
        case 3:
          for (auto k = pos; k < std::min(s.size(), pos + rng() % 64); ++k) s[k] = 0;
          break;
        case 4:
          for (auto& c : s) c = static_cast<char>(rng());
          break;
        default:
          break;
      }
      spit(dir / files[i], s);
    }
    try {
      redex mgr(d.path);
      auto f = mgr.open_file(channel_name::parse(name), disk());
      auto got = f->read(0, 1000);
      ASSERT_LE(got.size(), originals.size());
      for (std::size_t k = 0; k < got.size(); ++k) {
        ASSERT_EQ(got[k].seq, k) << name;
        ASSERT_EQ(got[k].payload, originals[k]) << name;
      }
      ASSERT_TRUE(f->append("after-repair"));
      ++opened;
    } catch (const redex_error& e) {
      EXPECT_EQ(e.code(), errc::corrupt) << e.what();
      EXPECT_NE(std::string(e.what()).find("record"), std::string::npos) << e.what();
      ++refused;
    }
  }
  EXPECT_GT(opened, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace neuromesh::cortex
