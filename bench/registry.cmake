# RegistryStore backends: upsert, touch_heartbeat, get, list(capability) on 10,000 records.
neuromesh_bench(NAME registry_store_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/registry_store_bench.cc
  DEPS neuromesh::registry PkgConfig::pqxx fmt::fmt)

# The storage core's group writer: durable SQLite writes one at a time vs 256 in flight.
neuromesh_bench(NAME registry_group_writer_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/registry_group_writer_bench.cc
  DEPS neuromesh::registry SQLite::SQLite3)
