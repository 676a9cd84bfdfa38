// The memories model: store / retag / pin / unpin / remove fold into state; tag, text,
// source and pinned filters; watch.
#include "neuromesh/cortex/memories.h"

#include "neuromesh/cortex/netdb.h"

#include <gtest/gtest.h>

namespace neuromesh::cortex {
namespace {

using namespace std::chrono_literals;

TEST(memories, store_retag_pin_and_remove_fold_into_state) {
  redex logs;
  auto db = netdb::builder(logs).origin(3).with_memories().build();
  auto& m = db.memories();
  ASSERT_TRUE(m.store(1, "the build uses ccache", {"build", "ci"}, "agent-1"));
  auto got = m.find_unique(1);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->content, "the build uses ccache");
  EXPECT_EQ(got->tags, (std::vector<std::string>{"build", "ci"}));
  EXPECT_EQ(got->source, "agent-1");
  EXPECT_FALSE(got->pinned);
  ASSERT_TRUE(m.pin(1));
  EXPECT_TRUE(m.find_unique(1)->pinned);
  ASSERT_TRUE(m.unpin(1));
  EXPECT_FALSE(m.find_unique(1)->pinned);
  ASSERT_TRUE(m.retag(1, {"ops"}));
  EXPECT_EQ(m.find_unique(1)->tags, std::vector<std::string>{"ops"});
  ASSERT_TRUE(m.store(1, "replaced", {"x"}, "agent-2"));
  EXPECT_EQ(m.find_unique(1)->content, "replaced");
  EXPECT_EQ(m.find_unique(1)->created_ns, got->created_ns);
  ASSERT_TRUE(m.remove(1));
  EXPECT_EQ(m.count(), 0u);
  EXPECT_EQ(m.pin(1).error(), errc::not_found);
  EXPECT_EQ(m.retag(1, {}).error(), errc::not_found);
}

TEST(memories, filters_by_tag_text_source_and_pinned) {
  redex logs;
  auto db = netdb::builder(logs).with_memories().build();
  auto& m = db.memories();
  ASSERT_TRUE(m.store(1, "deploy uses helm", {"ops", "k8s"}, "a"));
  ASSERT_TRUE(m.store(2, "tests run in CI", {"ci"}, "b"));
  ASSERT_TRUE(m.store(3, "helm chart lives in deploy/", {"ops"}, "b"));
  ASSERT_TRUE(m.pin(3));
  EXPECT_EQ(m.find_many({.tag = "ops"}).size(), 2u);
  EXPECT_EQ(m.find_many({.content_contains = "helm"}).size(), 2u);
  EXPECT_EQ(m.find_many({.source = "b"}).size(), 2u);
  EXPECT_EQ(m.find_many({.pinned = true}).at(0).id, 3u);
  EXPECT_EQ(m.find_many({.any_tag = std::vector<std::string>{"k8s", "ci"}}).size(), 2u);
  EXPECT_EQ(m.find_many({.all_tags = std::vector<std::string>{"ops", "k8s"}}).size(), 1u);
  EXPECT_EQ(m.count_where({.content_contains = "chart", .tag = "ops"}), 1u);
  auto desc = m.find_many({.order = order_by::id_desc, .limit = 2});
  ASSERT_EQ(desc.size(), 2u);
  EXPECT_EQ(desc[0].id, 3u);
}

TEST(memories, watch_reports_a_newly_tagged_memory) {
  redex logs;
  auto db = netdb::builder(logs).with_memories().build();
  auto& m = db.memories();
  ASSERT_TRUE(m.store(1, "a", {}, "s"));
  auto [snap, w] = m.snapshot_and_watch({.tag = "hot"});
  EXPECT_TRUE(snap.empty());
  ASSERT_TRUE(m.retag(1, {"hot"}));
  auto n = w.next(1s);
  ASSERT_TRUE(n);
  ASSERT_EQ(n->size(), 1u);
  EXPECT_EQ((*n)[0].id, 1u);
}

}  // namespace
}  // namespace neuromesh::cortex
