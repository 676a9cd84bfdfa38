# RedEX and CortEX / NetDb benchmarks beside Net's figures (reference/net-mesh.md §3.2).
foreach(unit redex netdb)
  neuromesh_bench(NAME cortex_${unit}_bench SOURCES cortex_${unit}_bench.cc DEPS neuromesh::cortex)
endforeach()
