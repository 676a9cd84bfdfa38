#pragma once
// The Engram conformance suite (reference §6.3, §6.5, tests/test_engram.py and
// test_stop_retry_saga.py): one parameterised GoogleTest suite every backend instantiates
// unchanged, e.g.
//   INSTANTIATE_TEST_SUITE_P(sqlite, engram_conformance,
//                            ::testing::Values(engram_backend{"sqlite", make_env}), backend_name);

#include "neuromesh/runtime/engram.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace neuromesh::runtime::testing {

/// One backend's data (a file, a PostgreSQL schema, nothing for memory) for one test; it opens
/// any number of engrams on that data and removes it when destroyed.
class engram_env {
 public:
  virtual ~engram_env() = default;
  /// A new, not yet connected engram on this env's data, announcing identity.
  virtual std::unique_ptr<engram> make_engram(const engram_identity& identity) = 0;
  /// Whether a second instance sees the first one's rows (false for memory).
  virtual bool shared_data() const = 0;
};

struct engram_backend {
  std::string name;
  std::function<std::unique_ptr<engram_env>()> make_env;
};

inline void PrintTo(const engram_backend& b, std::ostream* os) { *os << b.name; }

inline std::string backend_name(const ::testing::TestParamInfo<engram_backend>& info) {
  return info.param.name;
}

class engram_conformance : public ::testing::TestWithParam<engram_backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  static engram_identity identity(std::string id = "mem", std::string kind = "context");

  std::unique_ptr<engram_env> env_;
  std::unique_ptr<engram> engram_;
};

/// The cases for backends whose data outlives an instance (shared_data()): SQLite and
/// PostgreSQL. The memory test declares it uninstantiated.
class engram_durable_conformance : public engram_conformance {};

}  // namespace neuromesh::runtime::testing
