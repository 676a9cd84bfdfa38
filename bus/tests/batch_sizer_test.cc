#include "batch_sizer.h"

#include <gtest/gtest.h>

namespace neuromesh::bus::detail {
namespace {

using namespace std::chrono_literals;

TEST(batch_sizer, stays_at_min_size_when_the_rate_is_low) {
  batch_config c{.min_size = 1, .max_size = 10000, .max_delay = 1ms, .velocity_window = 100ms};
  auto t = std::chrono::steady_clock::time_point{};
  batch_sizer s(c, t);
  s.observe(10, t + 100ms);  // 100 events/s → 0.1 per ms
  EXPECT_EQ(s.target(), 1u);
}

TEST(batch_sizer, grows_with_the_rate_and_is_capped) {
  batch_config c{.min_size = 1, .max_size = 10000, .max_delay = 1ms, .velocity_window = 100ms};
  auto t = std::chrono::steady_clock::time_point{};
  batch_sizer s(c, t);
  s.observe(500'000, t + 100ms);  // 5 M/s → 5000 per ms
  EXPECT_EQ(s.target(), 5000u);
  s.observe(100'000'000, t + 200ms);
  EXPECT_EQ(s.target(), 10000u);
  s.observe(0, t + 300ms);
  EXPECT_EQ(s.target(), 1u);
}

}  // namespace
}  // namespace neuromesh::bus::detail
