#include "neuromesh/protocol/signal_type.h"

#include <gtest/gtest.h>

namespace neuromesh::protocol {
namespace {

TEST(signal_type, every_type_round_trips_through_its_wire_string) {
  for (int i = 0; i < signal_type_count; ++i) {
    auto t = static_cast<signal_type>(i);
    auto back = signal_type_from_string(to_string(t));
    ASSERT_TRUE(back) << to_string(t);
    EXPECT_EQ(*back, t);
  }
}

TEST(signal_type, wire_strings_are_the_reference_names) {
  EXPECT_EQ(to_string(signal_type::task), "TASK");
  EXPECT_EQ(to_string(signal_type::register_), "REGISTER");
  EXPECT_EQ(to_string(signal_type::audit), "AUDIT");
  EXPECT_EQ(to_string(signal_type::thought_delta), "THOUGHT_DELTA");
  EXPECT_EQ(to_string(signal_type::clarification_answer), "CLARIFICATION_ANSWER");
}

TEST(signal_type, unknown_and_lowercase_strings_are_rejected) {
  EXPECT_FALSE(signal_type_from_string("task"));
  EXPECT_FALSE(signal_type_from_string("NOPE"));
  EXPECT_FALSE(signal_type_from_string(""));
}

}  // namespace
}  // namespace neuromesh::protocol
