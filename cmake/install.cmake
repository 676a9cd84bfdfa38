# cmake --install + find_package(neuromesh).
include(CMakePackageConfigHelpers)
get_property(layers GLOBAL PROPERTY NEUROMESH_LAYERS)
install(TARGETS ${layers} EXPORT neuromesh-targets ARCHIVE DESTINATION lib)
install(EXPORT neuromesh-targets NAMESPACE neuromesh:: DESTINATION lib/cmake/neuromesh)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/neuromesh-config-version.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES cmake/neuromesh-config.cmake ${CMAKE_CURRENT_BINARY_DIR}/neuromesh-config-version.cmake
  DESTINATION lib/cmake/neuromesh)
