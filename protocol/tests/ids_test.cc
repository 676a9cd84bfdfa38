#include "neuromesh/protocol/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

namespace neuromesh::protocol {
namespace {

TEST(ids, generated_ids_are_prefix_plus_26_crockford_characters) {
  auto e = event_id::generate();
  EXPECT_EQ(e.str().size(), 30u);
  EXPECT_TRUE(e.str().starts_with("evt_"));
  EXPECT_TRUE(e.is_canonical());
  EXPECT_TRUE(trace_id::generate().str().starts_with("trc_"));
  EXPECT_TRUE(engram_entry_id::generate().str().starts_with("eng_"));
  for (char c : new_ulid())
    EXPECT_EQ(std::string_view("ILOU").find(c), std::string_view::npos) << c;
}

TEST(ids, canonical_check_is_the_spec_regex_and_prefix_check_is_lenient) {
  EXPECT_FALSE(event_id{"evt_x"}.is_canonical());
  EXPECT_FALSE(event_id{"evt_01jv8y3q6w5t2k9m4n7p0r1s2t"}.is_canonical());
  EXPECT_TRUE(event_id{"evt_" + std::string(26, '0')}.is_canonical());
  EXPECT_TRUE(event_id::has_prefix("evt_prism_no_url"));
  EXPECT_FALSE(trace_id::has_prefix("evt_x"));
}

TEST(ids, ulid_time_part_is_the_current_millisecond) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::string u = new_ulid();
  constexpr std::string_view alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  long long ms = 0;
  for (int i = 0; i < 10; ++i) ms = ms * 32 + static_cast<long long>(alphabet.find(u[i]));
  EXPECT_LE(std::llabs(ms - now), 1000);
}

TEST(ids, ulids_are_unique_and_monotonic_across_threads) {
  constexpr int threads = 4, per_thread = 20000;
  std::vector<std::vector<std::string>> got(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&got, t] {
      got[t].reserve(per_thread);
      for (int i = 0; i < per_thread; ++i) got[t].push_back(new_ulid());
    });
  for (auto& th : pool) th.join();
  std::set<std::string> all;
  for (const auto& v : got) {
    // Each thread sees strictly increasing ids (one global sequence, monotonic within a ms).
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    EXPECT_EQ(std::adjacent_find(v.begin(), v.end()), v.end());
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(threads * per_thread));
}

}  // namespace
}  // namespace neuromesh::protocol
