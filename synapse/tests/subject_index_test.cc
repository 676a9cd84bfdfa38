#include "subject_index.h"

#include "neuromesh/protocol/subject.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace neuromesh::synapse::detail {
namespace {

std::vector<std::uint64_t> keys(const subject_index::result& r) {
  std::vector<std::uint64_t> out;
  for (const auto& e : r.solo) out.push_back(e.key);
  for (const auto& g : r.groups)
    for (const auto& e : g.members) out.push_back(e.key);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(subject_index, wildcards_groups_and_order) {
  subject_index idx;
  idx.insert("a.b", {5, 0, nullptr});
  idx.insert("a.*", {2, 0, nullptr});
  idx.insert("a.>", {9, 7, nullptr});
  idx.insert(">", {3, 7, nullptr});
  idx.insert("a.b.c", {1, 0, nullptr});
  const auto& r = idx.match("a.b");
  ASSERT_EQ(r.solo.size(), 2u);
  EXPECT_EQ(r.solo[0].key, 2u);
  EXPECT_EQ(r.solo[1].key, 5u);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].group, 7u);
  ASSERT_EQ(r.groups[0].members.size(), 2u);
  EXPECT_EQ(r.groups[0].members[0].key, 3u);
  EXPECT_EQ(keys(idx.match("a")), (std::vector<std::uint64_t>{3}));
  EXPECT_TRUE(idx.erase("a.*", 2));
  EXPECT_FALSE(idx.erase("a.*", 2));
  EXPECT_EQ(keys(idx.match("a.b")), (std::vector<std::uint64_t>{3, 5, 9}));
  EXPECT_EQ(idx.size(), 4u);
}

// Randomised against the reference matcher, with subscriptions coming and going between
// matches (so the cache's invalidation is exercised too).
TEST(subject_index, agrees_with_subject_matches_under_churn) {
  std::mt19937 rng(5);
  const std::vector<std::string> toks = {"a", "b", "c", "", "*", ">", "ab"};
  auto random_subject = [&](bool wild) {
    std::string s;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 4); i < n; ++i) {
      if (i) s += '.';
      std::string_view t = toks[rng() % toks.size()];
      if (!wild && (t == "*" || t == ">") && rng() % 4) t = "a";
      s.append(t.data(), t.size());
    }
    return s;
  };
  subject_index idx;
  std::vector<std::pair<std::string, std::uint64_t>> live;
  std::uint64_t next = 1;
  for (int round = 0; round < 4000; ++round) {
    if (live.empty() || rng() % 3) {
      auto p = random_subject(true);
      idx.insert(p, {next, 0, nullptr});
      live.emplace_back(p, next++);
    } else {
      auto i = rng() % live.size();
      ASSERT_TRUE(idx.erase(live[i].first, live[i].second));
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    }
    for (int q = 0; q < 3; ++q) {
      auto subject = random_subject(false);
      std::vector<std::uint64_t> want;
      for (const auto& [p, k] : live)
        if (protocol::subject_matches(p, subject)) want.push_back(k);
      std::sort(want.begin(), want.end());
      ASSERT_EQ(keys(idx.match(subject)), want) << subject;
    }
  }
  EXPECT_EQ(idx.size(), live.size());
  EXPECT_GT(idx.cache_size(), 0u);
}

}  // namespace
}  // namespace neuromesh::synapse::detail
