# Synapse benchmarks: in-process publish->handler, and the cosmo:// broker against
# nats-server (bench/synapse_broker_compare.sh runs both and prints the ratio).
neuromesh_bench(NAME synapse_memory_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/synapse_memory_bench.cc
  DEPS neuromesh::synapse)
neuromesh_bench(NAME synapse_broker_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/synapse_broker_bench.cc
  DEPS neuromesh::synapse)
# Raw load generator (no Signal codec), like `nats bench`: bench/synapse_raw_compare.sh.
add_executable(synapse_raw_load ${CMAKE_CURRENT_LIST_DIR}/synapse_raw_load.cc)
target_compile_options(synapse_raw_load PRIVATE ${NEUROMESH_WARNINGS})
target_link_libraries(synapse_raw_load PRIVATE neuromesh_deps::nats CLI11::CLI11 Threads::Threads)
# The shared subject index with 10,000 subscriptions (private header: include src/).
neuromesh_bench(NAME synapse_subject_index_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/synapse_subject_index_bench.cc DEPS neuromesh::synapse)
target_include_directories(synapse_subject_index_bench PRIVATE ${PROJECT_SOURCE_DIR}/synapse/src)
# Raw request/reply latency (one round at a time) through a cosmo:// broker or nats-server:
# bench/synapse_latency_compare.sh.
add_executable(synapse_raw_pingpong ${CMAKE_CURRENT_LIST_DIR}/synapse_raw_pingpong.cc)
target_compile_options(synapse_raw_pingpong PRIVATE ${NEUROMESH_WARNINGS})
target_link_libraries(synapse_raw_pingpong PRIVATE neuromesh_deps::nats CLI11::CLI11 Threads::Threads)
# Signal request/reply round trips through cosmo_synapse and the NATS synapse.
neuromesh_bench(NAME synapse_round_trip_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/synapse_round_trip_bench.cc DEPS neuromesh::synapse)
# The cosmo:// frame codec: Python-JSON escape, canonical-size check and unescape of a
# Signal JSON, SSE2 beside the portable scalar path (private header: include src/).
neuromesh_bench(NAME synapse_py_json_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/synapse_py_json_bench.cc
  DEPS neuromesh::synapse)
target_include_directories(synapse_py_json_bench PRIVATE ${PROJECT_SOURCE_DIR}/synapse/src)
