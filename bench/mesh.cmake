# Mesh benchmarks beside Net's published figures (reference/net-mesh.md §3.3).
neuromesh_bench(NAME mesh_wire_bench SOURCES mesh_wire_bench.cc DEPS neuromesh::mesh PkgConfig::sodium)
neuromesh_bench(NAME mesh_stream_bench SOURCES mesh_stream_bench.cc DEPS neuromesh::mesh)
target_compile_options(mesh_stream_bench PRIVATE -Wno-missing-field-initializers)
