#include "neuromesh/mesh/failure_detector.h"

#include <gtest/gtest.h>

namespace neuromesh::mesh {
namespace {

using namespace std::chrono_literals;

TEST(FailureDetector, HealthySuspectedFailedThenRecovered) {
  failure_detector fd(10s, 30s);
  auto t = std::chrono::steady_clock::time_point{} + 1h;
  EXPECT_FALSE(fd.status(1, t));
  fd.heartbeat(1, t);
  EXPECT_EQ(fd.status(1, t + 9s), peer_health::healthy);
  EXPECT_EQ(fd.status(1, t + 10s), peer_health::suspected);
  EXPECT_EQ(fd.status(1, t + 29s), peer_health::suspected);
  EXPECT_EQ(fd.status(1, t + 30s), peer_health::failed);
  fd.heartbeat(1, t + 31s);
  EXPECT_EQ(fd.status(1, t + 31s), peer_health::healthy);
  EXPECT_EQ(fd.recoveries(), 1u);
  fd.heartbeat(1, t + 20s);  // a late, older heartbeat does not move time back
  EXPECT_EQ(fd.status(1, t + 40s), peer_health::healthy);
  fd.forget(1);
  EXPECT_FALSE(fd.status(1, t + 40s));
  EXPECT_STREQ(to_string(peer_health::suspected), "suspected");
}

}  // namespace
}  // namespace neuromesh::mesh
