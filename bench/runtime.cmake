# Runtime benchmarks: dispatch -> AGENT_OUTPUT round trip through MemorySynapse.
neuromesh_bench(NAME runtime_dispatch_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_dispatch_bench.cc
  DEPS neuromesh::runtime)
