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

function(neuromesh_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} neuromesh::testing GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_options(${T_NAME} PRIVATE ${NEUROMESH_WARNINGS})
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

# A Google Benchmark binary under bench/ (Release builds only).
function(neuromesh_bench)
  cmake_parse_arguments(B "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${B_NAME} ${B_SOURCES})
  target_link_libraries(${B_NAME} PRIVATE ${B_DEPS} benchmark::benchmark)
  target_compile_options(${B_NAME} PRIVATE ${NEUROMESH_WARNINGS})
endfunction()
