# Runtime benchmarks: dispatch -> AGENT_OUTPUT round trip through MemorySynapse.
neuromesh_bench(NAME runtime_dispatch_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_dispatch_bench.cc
  DEPS neuromesh::runtime)

# The runtime through the cosmo:// broker on loopback, beside the raw transport round trip
# (bench/runtime_compare.sh prints the overhead ratio and the Python SDK anchor).
neuromesh_bench(NAME runtime_broker_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_broker_bench.cc
  DEPS neuromesh::runtime neuromesh::synapse)
