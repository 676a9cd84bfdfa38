#include "adapter_conformance.h"

namespace neuromesh::bus::test {

INSTANTIATE_TEST_SUITE_P(memory, adapter_conformance,
                         ::testing::Values(backend{
                             "memory", [](net_builder& b, const std::string&) { b.memory(); }}),
                         [](const auto& info) { return info.param.name; });

}  // namespace neuromesh::bus::test
