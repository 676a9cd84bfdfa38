# Engram backends: imprint, recall, text recall over 100,000 entries, durable imprint rates.
neuromesh_bench(NAME runtime_engram_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_engram_bench.cc
  DEPS neuromesh::runtime SQLite::SQLite3 PkgConfig::pqxx fmt::fmt)
