# The catalog's request handlers without sockets (catalog_service::handle).
neuromesh_bench(NAME catalog_handlers_bench SOURCES catalog_handlers_bench.cc
  DEPS neuromesh::catalog Boost::json)
