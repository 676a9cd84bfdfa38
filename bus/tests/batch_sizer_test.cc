#include "batch_sizer.h"

#include <gtest/gtest.h>

namespace neuromesh::bus::detail {
namespace {

using namespace std::chrono_literals;

TEST(batch_sizer, stays_at_min_size_when_the_rate_is_low) {
  batch_config c{.min_size = 1, .max_size = 10000, .max_delay = 1ms, .velocity_window = 100ms};
  auto t = std::chrono::steady_clock::time_point{};
  batch_sizer s(c, t);
  s.observe(10, 100, t + 100ms);  // 100 events/s → 0.1 per ms
  EXPECT_EQ(s.target(), 1u);
}

TEST(batch_sizer, grows_with_the_rate_and_is_capped) {
  batch_config c{.min_size = 1, .max_size = 10000, .max_delay = 1ms, .velocity_window = 100ms};
  auto t = std::chrono::steady_clock::time_point{};
  batch_sizer s(c, t);
  s.observe(500'000, 1'000'000, t + 100ms);  // 5 M/s → 5000 per ms
  EXPECT_EQ(s.target(), 5000u);
  s.observe(100'000'000, 1'000'000'000, t + 200ms);
  EXPECT_EQ(s.target(), 10000u);
  s.observe(0, 1, t + 300ms);
  EXPECT_EQ(s.target(), 1u);
}

}  // namespace
}  // namespace neuromesh::bus::detail

namespace neuromesh::bus::detail {
namespace {

TEST(batch_sizer, a_backlog_doubles_the_target_before_the_window_ends) {
  batch_config c{.min_size = 1, .max_size = 64, .max_delay = 1ms, .velocity_window = 100ms};
  auto t = std::chrono::steady_clock::time_point{};
  batch_sizer s(c, t);
  for (std::size_t expect : {2u, 4u, 8u, 16u, 32u, 64u, 64u}) {
    s.observe(s.target(), s.target(), t + 1ms);
    EXPECT_EQ(s.target(), expect);
  }
  s.observe(3, 64, t + 2ms);  // a partial pop does not grow it
  EXPECT_EQ(s.target(), 64u);
}

}  // namespace
}  // namespace neuromesh::bus::detail
