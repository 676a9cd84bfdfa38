#pragma once
// The RegistryStore conformance suite (reference §7.2 and tests/test_registry_store.py):
// one parameterised GoogleTest suite every backend instantiates unchanged, e.g.
//   INSTANTIATE_TEST_SUITE_P(sqlite, registry_store_conformance,
//                            ::testing::Values(backend{"sqlite", make_sqlite_env}), backend_name);

#include "neuromesh/registry/registry_store.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace neuromesh::registry::testing {

/// One backend's data (a file, a PostgreSQL schema, nothing for memory) for one test; it
/// opens any number of store instances on that data and removes it when destroyed.
class store_env {
 public:
  virtual ~store_env() = default;
  /// A new, not yet connected store on this env's data.
  virtual std::unique_ptr<registry_store> make_store() = 0;
  /// Whether a second instance sees the first one's records (false for memory).
  virtual bool shared_data() const = 0;
};

struct backend {
  std::string name;
  std::function<std::unique_ptr<store_env>()> make_env;
};

inline void PrintTo(const backend& b, std::ostream* os) { *os << b.name; }

inline std::string backend_name(const ::testing::TestParamInfo<backend>& info) {
  return info.param.name;
}

class registry_store_conformance : public ::testing::TestWithParam<backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::unique_ptr<store_env> env_;
  std::unique_ptr<registry_store> store_;
};

}  // namespace neuromesh::registry::testing
