#include "sequence_lease.h"

#include "neuromesh/bus/errc.h"
#include "neuromesh/bus/error.h"
#include "neuromesh/bus/memory_adapter.h"
#include "neuromesh/bus/net.h"
#include "neuromesh/bus/producer_nonce.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <vector>

namespace neuromesh::bus {
namespace {

using namespace std::chrono_literals;
using detail::sequence_leases;

std::filesystem::path temp_dir() {
  auto d = std::filesystem::temp_directory_path() /
           ("nm-lease-" + std::to_string(fresh_producer_nonce()));
  std::filesystem::create_directories(d);
  return d;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(sequence_leases, a_reopened_lease_continues_after_the_last_leased_block) {
  auto dir = temp_dir();
  auto nonce = (dir / "producer.nonce").string();
  std::uint64_t n1 = 0;
  {
    auto l = sequence_leases::open(nonce, 2).value();
    n1 = l->nonce();
    EXPECT_EQ(l->start(0), 0u);
    EXPECT_EQ(l->start(1), 0u);
    ASSERT_TRUE(l->extend(1, 5000));
  }
  auto l = sequence_leases::open(nonce, 3).value();
  EXPECT_EQ(l->nonce(), n1);
  EXPECT_EQ(l->start(0), 0u);
  EXPECT_EQ(l->start(1), 5000u);
  EXPECT_EQ(l->start(2), 0u);
  ASSERT_TRUE(l->extend(1, 100));  // never moves back
  EXPECT_EQ(sequence_leases::open(nonce, 1).value()->start(1), 5000u);
  EXPECT_FALSE(std::filesystem::exists(sequence_leases::path_for(nonce) + ".tmp"));
  std::filesystem::remove_all(dir);
}

TEST(sequence_leases, file_is_version_nonce_count_then_little_endian_ends) {
  auto dir = temp_dir();
  auto nonce = (dir / "n").string();
  {
    auto l = sequence_leases::open(nonce, 2).value();
    ASSERT_TRUE(l->extend(1, 0x0a0b));
    auto bytes = slurp(sequence_leases::path_for(nonce));
    ASSERT_EQ(bytes.size(), 11u + 16u);
    EXPECT_EQ(bytes[0], '\x01');
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
      n |= std::uint64_t{static_cast<std::uint8_t>(bytes[1 + i])} << (8 * i);
    EXPECT_EQ(n, l->nonce());
    EXPECT_EQ(bytes.substr(9, 2), std::string("\x02\x00", 2));
    EXPECT_EQ(bytes.substr(11, 8), std::string(8, '\0'));
    EXPECT_EQ(bytes.substr(19, 8), std::string("\x0b\x0a\0\0\0\0\0\0", 8));
  }
  std::filesystem::remove_all(dir);
}

TEST(sequence_leases, a_nonce_without_its_lease_file_is_replaced) {
  auto dir = temp_dir();
  auto nonce = (dir / "n").string();
  ASSERT_TRUE(store_producer_nonce(nonce, 42));  // as written by a version that did not lease
  auto l = sequence_leases::open(nonce, 1).value();
  EXPECT_NE(l->nonce(), 42u);
  EXPECT_EQ(*load_or_create_producer_nonce(nonce), l->nonce());
  EXPECT_EQ(sequence_leases::open(nonce, 1).value()->nonce(), l->nonce());
  std::filesystem::remove_all(dir);
}

TEST(sequence_leases, damaged_lease_files_are_refused) {
  auto dir = temp_dir();
  auto nonce = (dir / "n").string();
  auto l = sequence_leases::open(nonce, 2).value();
  ASSERT_TRUE(l->extend(0, 77));
  const auto good = slurp(sequence_leases::path_for(nonce));
  std::mt19937 rng(17);
  for (int round = 0; round < 300; ++round) {
    std::string bad = good;
    switch (round % 3) {
      case 0:  // truncated
        bad.resize(rng() % good.size());
        break;
      case 1:  // wrong version
        bad[0] = static_cast<char>(2 + rng() % 250);
        break;
      case 2:  // count that does not match the size
        bad[9] = static_cast<char>(3 + rng() % 200);
        break;
    }
    std::ofstream(sequence_leases::path_for(nonce), std::ios::binary | std::ios::trunc) << bad;
    auto r = sequence_leases::open(nonce, 2);
    ASSERT_FALSE(r) << "round " << round;
    EXPECT_EQ(r.error(), errc::decode_failed);
  }
  std::ofstream(sequence_leases::path_for(nonce), std::ios::binary | std::ios::trunc) << good;
  EXPECT_EQ(sequence_leases::open(nonce, 2).value()->start(0), 77u);
  std::filesystem::remove_all(dir);
}

// Records every batch's nonce, shard and sequence range, then delivers to a memory adapter.
class recording_adapter : public adapter {
 public:
  struct range {
    std::uint64_t nonce;
    std::uint16_t shard;
    std::uint64_t first, end;
  };
  explicit recording_adapter(std::vector<range>& out) : out_(out) {}
  boost::system::result<void> init(std::uint16_t s) override { return inner_.init(s); }
  boost::system::result<void> on_batch(const batch& b,
                                       std::chrono::steady_clock::time_point d) override {
    {
      std::lock_guard lk(mu_);
      out_.push_back(
          {b.process_nonce, b.shard_id, b.sequence_start, b.sequence_start + b.events.size()});
    }
    return inner_.on_batch(b, d);
  }
  boost::system::result<shard_page> poll_shard(std::uint16_t s, std::string_view a,
                                               std::size_t l) override {
    return inner_.poll_shard(s, a, l);
  }
  boost::system::result<std::string> last_id(std::uint16_t s) override { return inner_.last_id(s); }
  std::string_view name() const noexcept override { return "recording"; }
  bool is_healthy() const noexcept override { return true; }

 private:
  memory_adapter inner_;
  std::mutex mu_;
  std::vector<range>& out_;
};

std::vector<recording_adapter::range> run_producer(const std::string& nonce_path, int events) {
  std::vector<recording_adapter::range> ranges;
  auto node =
      net::builder()
          .shards(2)
          .ring_capacity(1024)
          .producer_nonce_path(nonce_path)
          .custom([&](const bus_config&) { return std::make_unique<recording_adapter>(ranges); })
          .build();
  for (int i = 0; i < events; ++i) EXPECT_TRUE(node.emit_str("{\"i\":" + std::to_string(i) + "}"));
  EXPECT_TRUE(node.flush(10s));
  EXPECT_GE(node.stats().sequence_leases, 1u);
  EXPECT_EQ(node.stats().sequence_lease_failures, 0u);
  EXPECT_TRUE(node.shutdown());
  return ranges;
}

TEST(sequence_leases, a_restarted_bus_never_reuses_a_sequence_of_an_earlier_run) {
  auto dir = temp_dir();
  auto nonce = (dir / "producer.nonce").string();
  auto first = run_producer(nonce, 300);
  auto second = run_producer(nonce, 300);
  auto third = run_producer(nonce, 300);
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  ASSERT_FALSE(third.empty());
  EXPECT_EQ(first[0].nonce, second[0].nonce);  // same producer identity
  for (std::uint16_t shard = 0; shard < 2; ++shard) {
    auto max_end = [&](const std::vector<recording_adapter::range>& rs) {
      std::uint64_t m = 0;
      for (const auto& r : rs) m = r.shard == shard ? std::max(m, r.end) : m;
      return m;
    };
    auto min_first = [&](const std::vector<recording_adapter::range>& rs) {
      std::uint64_t m = UINT64_MAX;
      for (const auto& r : rs) m = r.shard == shard ? std::min(m, r.first) : m;
      return m;
    };
    EXPECT_GE(min_first(second), max_end(first)) << "shard " << shard;
    EXPECT_GE(min_first(third), max_end(second)) << "shard " << shard;
  }
  std::filesystem::remove_all(dir);
}

TEST(sequence_leases, an_unwritable_lease_file_fails_the_build_with_the_path) {
  auto dir = temp_dir();
  auto nonce = (dir / "missing-dir" / "producer.nonce").string();
  try {
    (void)net::builder().producer_nonce_path(nonce).build();
    FAIL() << "built with an unwritable nonce path";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find(nonce), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace neuromesh::bus
