# Synapse benchmarks: in-process publish->handler, and the cosmo:// broker against
# nats-server (bench/synapse_broker_compare.sh runs both and prints the ratio).
neuromesh_bench(NAME synapse_memory_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/synapse_memory_bench.cc
  DEPS neuromesh::synapse)
neuromesh_bench(NAME synapse_broker_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/synapse_broker_bench.cc
  DEPS neuromesh::synapse)
