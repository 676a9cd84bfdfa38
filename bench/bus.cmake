# Event-bus benchmarks, mirroring the reference's set (reference/net-mesh.md §3.1).
# The shard-level ones reach into bus/src (like Net's ShardManager benches, no workers).
foreach(unit shard ingest concurrent redis emit)
  neuromesh_bench(NAME bus_${unit}_bench SOURCES bus_${unit}_bench.cc DEPS neuromesh::bus PkgConfig::xxhash)
  target_include_directories(bus_${unit}_bench PRIVATE ${PROJECT_SOURCE_DIR}/bus/src)
endforeach()
