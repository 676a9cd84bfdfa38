#include "ring.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace neuromesh::bus::detail {
namespace {

TEST(ring, pushes_and_pops_in_order_across_wraparound) {
  ring<int> r(4);
  std::vector<int> out;
  int next = 0, expect = 0;
  for (int round = 0; round < 10; ++round) {
    while (!r.full()) r.emplace(next++);
    EXPECT_EQ(r.size(), 4u);
    out.clear();
    EXPECT_EQ(r.pop_into(out, 3), 3u);
    for (int v : out) EXPECT_EQ(v, expect++);
  }
}

TEST(ring, drop_front_evicts_the_oldest) {
  ring<std::string> r(2);
  r.emplace("a");
  r.emplace("b");
  ASSERT_TRUE(r.full());
  r.drop_front();
  r.emplace("c");
  std::vector<std::string> out;
  r.pop_into(out, 10);
  EXPECT_EQ(out, (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(r.empty());
}

TEST(ring, destroys_what_it_still_holds) {
  auto p = std::make_shared<int>(1);
  {
    ring<std::shared_ptr<int>> r(1024);
    for (int i = 0; i < 100; ++i) r.emplace(p);
    EXPECT_EQ(p.use_count(), 101);
  }
  EXPECT_EQ(p.use_count(), 1);
}

}  // namespace
}  // namespace neuromesh::bus::detail
