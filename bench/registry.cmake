# RegistryStore backends: upsert, touch_heartbeat, get, list(capability) on 10,000 records.
neuromesh_bench(NAME registry_store_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/registry_store_bench.cc
  DEPS neuromesh::registry PkgConfig::pqxx fmt::fmt)
