# Protocol hot paths: Signal encode/decode, ULID generation, subject matching.
neuromesh_bench(NAME protocol_codec_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/protocol_codec_bench.cc DEPS neuromesh::protocol)
neuromesh_bench(NAME protocol_ulid_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/protocol_ulid_bench.cc DEPS neuromesh::protocol)
neuromesh_bench(NAME protocol_subject_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/protocol_subject_bench.cc DEPS neuromesh::protocol)
