// Net's channel naming rules, each with the error it produces.
#include "neuromesh/cortex/channel_name.h"

#include "neuromesh/cortex/errc.h"

#include <gtest/gtest.h>

namespace neuromesh::cortex {
namespace {

TEST(channel_name, accepts_hierarchical_lowercase_names) {
  for (std::string n : {"a", "orders/audit", "cortex/tasks", "a-b_c.d/e1/f.2", "x"}) {
    EXPECT_FALSE(channel_name::problem(n)) << n;
  }
  EXPECT_FALSE(channel_name::problem(std::string(255, 'x')));
  EXPECT_EQ(channel_name::parse("orders/audit").str(), "orders/audit");
}

TEST(channel_name, names_the_broken_rule) {
  struct bad {
    std::string name, needle;
  };
  for (const auto& [name, needle] : std::vector<bad>{
           {"", "empty"},
           {std::string(256, 'x'), "256 bytes"},
           {"/a", "start or end"},
           {"a/", "start or end"},
           {"a//b", "'//'"},
           {"Orders", "uppercase character 'O'"},
           {"a b", "character ' '"},
           {"a#b", "character '#'"},
           {std::string("a\x01", 2), "byte 0x01"},
           {"a/../b", "segment \"..\""},
           {".", "segment \".\""},
       }) {
    auto why = channel_name::problem(name);
    ASSERT_TRUE(why) << name;
    EXPECT_NE(why->find(needle), std::string::npos) << *why;
  }
  try {
    channel_name::parse("Bad");
    FAIL();
  } catch (const redex_error& e) {
    EXPECT_EQ(e.code(), errc::invalid_channel_name);
    EXPECT_NE(std::string(e.what()).find("\"Bad\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace neuromesh::cortex
