#pragma once
// Shared by the Engram host, client and overload tests: a connected in-memory Engram, and a
// recorder of every Signal a subscription saw (thread-safe: handlers run on the io thread).

#include "neuromesh/protocol/signal.h"
#include "neuromesh/runtime/engram_memory.h"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace neuromesh::runtime::test {

inline std::shared_ptr<memory_engram> connected_memory(std::string id,
                                                       std::string kind = "context") {
  auto e =
      std::make_shared<memory_engram>(engram_identity{std::move(id), std::move(kind), {}, "1"});
  EXPECT_TRUE(e->connect());
  return e;
}

// Records every Signal it is handed (for REGISTER and reply checks).
struct recorder {
  std::mutex mutex;
  std::vector<protocol::signal> seen;
  void operator()(const protocol::signal& s) {
    std::lock_guard lock(mutex);
    seen.push_back(s);
  }
  std::vector<protocol::signal> of(protocol::signal_type t) {
    std::lock_guard lock(mutex);
    std::vector<protocol::signal> out;
    for (const auto& s : seen)
      if (s.type == t) out.push_back(s);
    return out;
  }
};

// A Synapse handler feeding a shared recorder.
struct recorder_handler {
  std::shared_ptr<recorder> r;
  void operator()(const protocol::signal& s) const { (*r)(s); }
};

}  // namespace neuromesh::runtime::test
