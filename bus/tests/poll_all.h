#pragma once
// Reads every page a poll cursor yields, for any bus with poll(poll_request) (net, event_bus).

#include "neuromesh/bus/poll.h"

#include <gtest/gtest.h>

#include <vector>

namespace neuromesh::bus::test {

template <class Bus>
std::vector<event> poll_all(Bus& bus, poll_request req = {}) {
  std::vector<event> out;
  for (;;) {
    auto r = bus.poll(req);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) break;
    for (auto& e : r->events) out.push_back(std::move(e));
    req.cursor = r->next_cursor;
    if (!r->has_more) break;
  }
  return out;
}

}  // namespace neuromesh::bus::test
