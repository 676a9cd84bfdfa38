# Every outside library neuromesh builds with; all are Debian packages installed by
# scripts/setup. Layers link the imported targets declared here.
include(${CMAKE_CURRENT_LIST_DIR}/neuromesh-deps.cmake)
# Build-only tools (not needed by a project that uses the installed library).
find_package(CLI11 REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
# toml++ (header-only) reads `neuromesh up --config`; include path only, nothing to link.
pkg_check_modules(tomlplusplus REQUIRED tomlplusplus)
