# The libraries neuromesh's layers link, found the same way when neuromesh itself is built
# and when an outside project calls find_package(neuromesh) (the installed config includes
# this file), so the exported static libraries carry every dependency they need.
# All are Debian packages installed by scripts/setup.
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json system)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(xxhash REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(hiredis REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(pqxx REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(sodium REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(b2 REQUIRED IMPORTED_TARGET libb2)
# libnats ships no CMake package usable here: an imported target of our own, recreated by the
# installed config, so no absolute path is written into the exported targets.
if(NOT TARGET neuromesh_deps::nats)
  find_library(NATS_LIBRARY_FILE nats REQUIRED)
  find_path(NATS_INCLUDE_DIR nats/nats.h REQUIRED)
  add_library(neuromesh_deps::nats UNKNOWN IMPORTED)
  set_target_properties(neuromesh_deps::nats PROPERTIES IMPORTED_LOCATION ${NATS_LIBRARY_FILE}
    INTERFACE_INCLUDE_DIRECTORIES ${NATS_INCLUDE_DIR})
endif()
