#include "neuromesh/runtime/engram_memory.h"

#include "engram_conformance.h"

#include <boost/json/parse.hpp>

namespace neuromesh::runtime::testing {
namespace {

class memory_env final : public engram_env {
 public:
  std::unique_ptr<engram> make_engram(const engram_identity& identity) override {
    return std::make_unique<memory_engram>(identity);
  }
  bool shared_data() const override { return false; }
};

INSTANTIATE_TEST_SUITE_P(memory, engram_conformance,
                         ::testing::Values(engram_backend{
                             "memory", [] { return std::make_unique<memory_env>(); }}),
                         backend_name);
// Memory data dies with its instance: the restart cases do not apply.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(engram_durable_conformance);

TEST(memory_engram, has_the_reference_defaults) {
  memory_engram e;
  EXPECT_EQ(e.engram_id(), "engram-memory");
  EXPECT_EQ(e.engram_kind(), "keyvalue");
  EXPECT_EQ(e.backend(), "memory");
}

TEST(memory_engram, close_forgets_everything_as_the_reference_does) {
  memory_engram e;
  ASSERT_TRUE(e.connect());
  imprint_request r;
  r.op = imprint_op::append;
  r.content = boost::json::parse(R"("x")");
  r.trace_id = "trc_1";
  ASSERT_TRUE(e.imprint(r));
  e.close();
  ASSERT_TRUE(e.connect());
  EXPECT_TRUE(e.recall({})->hits.empty());
  EXPECT_EQ(*e.compensate("trc_1"), 0u);
}

TEST(memory_engram, delete_evicts_so_an_add_may_reuse_the_id) {
  memory_engram e;
  ASSERT_TRUE(e.connect());
  imprint_request add;
  add.op = imprint_op::add;
  add.id = "x";
  ASSERT_TRUE(e.imprint(add)->ok());
  imprint_request del;
  del.op = imprint_op::remove;
  del.id = "x";
  ASSERT_EQ(e.imprint(del)->id, "x");
  EXPECT_TRUE(e.imprint(add)->ok());  // SQL backends keep the soft-deleted row: see sqlite test
}

}  // namespace
}  // namespace neuromesh::runtime::testing
