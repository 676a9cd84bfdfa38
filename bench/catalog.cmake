# The catalog's request handlers without sockets (catalog_service::handle).
neuromesh_bench(NAME catalog_handlers_bench SOURCES catalog_handlers_bench.cc
  DEPS neuromesh::catalog Boost::json)

# The instance stores without HTTP: durable heartbeats/s with 1 or 256 in flight (SQLite,
# PostgreSQL when NEUROMESH_PG_DSN is set).
neuromesh_bench(NAME catalog_store_bench SOURCES catalog_store_bench.cc
  DEPS neuromesh::catalog fmt::fmt)
