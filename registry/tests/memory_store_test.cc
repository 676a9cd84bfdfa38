#include "neuromesh/registry/memory_store.h"

#include "registry_store_conformance.h"

namespace neuromesh::registry::testing {
namespace {

class memory_env final : public store_env {
 public:
  std::unique_ptr<registry_store> make_store() override { return std::make_unique<memory_store>(); }
  bool shared_data() const override { return false; }
};

INSTANTIATE_TEST_SUITE_P(memory, registry_store_conformance,
                         ::testing::Values(backend{"memory",
                                                   [] { return std::make_unique<memory_env>(); }}),
                         backend_name);

}  // namespace
}  // namespace neuromesh::registry::testing
