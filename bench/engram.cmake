# Engram backends: imprint, recall, text recall over 100,000 entries, durable imprint rates.
neuromesh_bench(NAME runtime_engram_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_engram_bench.cc
  DEPS neuromesh::runtime SQLite::SQLite3 PkgConfig::pqxx fmt::fmt)
# Imprint / recall round trips through MemorySynapse (engram_client -> engram_host) per backend.
neuromesh_bench(NAME runtime_engram_round_trip_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_engram_round_trip_bench.cc
  DEPS neuromesh::runtime PkgConfig::pqxx fmt::fmt)
