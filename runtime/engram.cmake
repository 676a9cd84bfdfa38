# Engram (shared memory) and Effector (tools) of the runtime layer: sources, private
# dependencies and tests. Included by runtime/CMakeLists.txt after neuromesh_layer(runtime).
set(NEUROMESH_ENGRAM_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/src/engram.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/engram_json.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/engram_ops.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/engram_recall.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/engram_memory.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/engram_sqlite.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/engram_postgres.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/engram_url.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/engram_wire.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/engram_host.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/engram_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/bound_engram.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/dendrite_engram.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/effector.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/effector_calculator.cc
  ${CMAKE_CURRENT_LIST_DIR}/src/effector_files.cc)
target_sources(neuromesh_runtime PRIVATE ${NEUROMESH_ENGRAM_SOURCES})
target_link_libraries(neuromesh_runtime
  PUBLIC neuromesh::protocol neuromesh::synapse neuromesh::registry Boost::json Boost::system
  PRIVATE fmt::fmt spdlog::spdlog SQLite::SQLite3 PkgConfig::pqxx Threads::Threads)

# One conformance suite (tests/engram_conformance.cc) compiled into each backend's test.
neuromesh_test(NAME engram_memory_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_memory_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/tests/engram_conformance.cc
  DEPS neuromesh::runtime)
neuromesh_test(NAME engram_sqlite_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_sqlite_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/tests/engram_conformance.cc
  DEPS neuromesh::runtime SQLite::SQLite3 TIMEOUT 120)
# Needs the PostgreSQL of scripts/services (NEUROMESH_PG_DSN); fails without it.
neuromesh_test(NAME engram_postgres_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_postgres_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/tests/engram_conformance.cc
  DEPS neuromesh::runtime PkgConfig::pqxx fmt::fmt LABELS service TIMEOUT 120)
# python3 (standard library sqlite3) as the Python SDK's side of a shared engram file.
neuromesh_test(NAME engram_sqlite_interop_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_sqlite_interop_test.cc DEPS neuromesh::runtime)
neuromesh_test(NAME engram_json_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_json_test.cc DEPS neuromesh::runtime)
target_include_directories(engram_json_test PRIVATE ${CMAKE_CURRENT_LIST_DIR}/src)
neuromesh_test(NAME engram_wire_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_wire_test.cc DEPS neuromesh::runtime)
neuromesh_test(NAME effector_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/effector_test.cc DEPS neuromesh::runtime)
# Hosting and calling over MemorySynapse and the cosmo:// broker (in-process, free port).
neuromesh_test(NAME engram_host_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_host_test.cc DEPS neuromesh::runtime)
# Shares the one PostgreSQL of scripts/services (the neurons table among others) with the other
# PostgreSQL tests: never run beside them (ctest -j).
set_tests_properties(engram_postgres_test PROPERTIES RESOURCE_LOCK postgres)
# Axon bindings and Engrams / Effectors hosted by a dendrite (MemorySynapse and cosmo://).
neuromesh_test(NAME engram_binding_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_binding_test.cc DEPS neuromesh::runtime
  TIMEOUT 120)
# engram serve|recall|imprint, effector serve, tool call: the real binary against its broker.
neuromesh_test(NAME engram_cli_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_cli_test.cc DEPS neuromesh::runtime TIMEOUT 120)
target_compile_definitions(engram_cli_test PRIVATE NEUROMESH_CLI="$<TARGET_FILE:neuromesh>")
add_dependencies(engram_cli_test neuromesh)
# The host's bounded queue: requests past max_queued answered "overloaded" (EngramOverloaded).
neuromesh_test(NAME engram_overload_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_overload_test.cc DEPS neuromesh::runtime)
# The caller side: recall mode all, first without hits, EffectorTimeout / EffectorCancelled.
neuromesh_test(NAME engram_client_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/engram_client_test.cc DEPS neuromesh::runtime)
# Engram and Effector wire interop with an independent Python peer (standard library only):
# a Python caller against engram / effector serve, the engram / tool CLI against a Python host.
add_test(NAME engram_python_interop_test
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/tests/interop/engram_interop_test.py
          $<TARGET_FILE:neuromesh>)
set_tests_properties(engram_python_interop_test PROPERTIES LABELS unit TIMEOUT 120)
