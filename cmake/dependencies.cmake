# Every outside library neuromesh builds with; all are Debian packages installed by
# scripts/setup. Layers link the imported targets declared here.
include(${CMAKE_CURRENT_LIST_DIR}/neuromesh-deps.cmake)
# Build-only tools (not needed by a project that uses the installed library).
find_package(CLI11 REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
# toml++ (header-only) reads `neuromesh up --config`; include path only, nothing to link.
pkg_check_modules(tomlplusplus REQUIRED tomlplusplus)
# mimalloc replaces malloc in the programs (the `neuromesh` binary and the benchmarks), never
# in the libraries: a project that links the SDK keeps its own allocator. With 200 TASKs in
# flight glibc's per-thread cache (7 blocks per size) overflows and its slow paths cost
# 7,400 instructions per task (in process, callgrind: 31,000 -> 23,700 per task with
# mimalloc). Not with the sanitizers, which bring their own allocator.
if(NOT NEUROMESH_SANITIZE)
  find_library(NEUROMESH_MIMALLOC mimalloc REQUIRED)
endif()
