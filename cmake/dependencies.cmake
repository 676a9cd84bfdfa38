# Every outside library neuromesh builds with; all are Debian packages installed by
# scripts/setup. Layers link the imported targets declared here.
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json system)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
pkg_check_modules(xxhash REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(hiredis REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(pqxx REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(sodium REQUIRED IMPORTED_TARGET libsodium)
# libnats ships no usable imported target; layers link ${NATS_LIBRARY} by path (an interface
# target of ours could not join the install export set).
find_library(NATS_LIBRARY nats REQUIRED)
find_path(NATS_INCLUDE_DIR nats/nats.h REQUIRED)
# toml++ (header-only) reads `neuromesh up --config`; include path only, nothing to link.
pkg_check_modules(tomlplusplus REQUIRED tomlplusplus)
