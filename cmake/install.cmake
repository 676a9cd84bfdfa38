# cmake --install + find_package(neuromesh); cpack -G DEB.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)
get_property(layers GLOBAL PROPERTY NEUROMESH_LAYERS)
# The umbrella target: every layer, for projects that want the whole SDK.
add_library(neuromesh_all INTERFACE)
set_target_properties(neuromesh_all PROPERTIES EXPORT_NAME neuromesh)
target_link_libraries(neuromesh_all INTERFACE ${layers})
add_library(neuromesh::neuromesh ALIAS neuromesh_all)
install(TARGETS ${layers} neuromesh_all EXPORT neuromesh-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/neuromesh)
install(EXPORT neuromesh-targets NAMESPACE neuromesh:: DESTINATION ${config_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/neuromesh-config-version.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES cmake/neuromesh-config.cmake cmake/neuromesh-deps.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/neuromesh-config-version.cmake DESTINATION ${config_dir})

# cpack -G DEB: binary, static libraries, headers and the CMake package, depending on the
# Debian packages a consumer links against (and libmimalloc2.0, the `neuromesh` binary's malloc).
set(CPACK_PACKAGE_NAME neuromesh)
set(CPACK_PACKAGE_VENDOR neuromesh)
set(CPACK_PACKAGE_CONTACT "neuromesh developers <dev@neuromesh.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Native agent mesh: Cosmonapse wire protocol, runspec catalog, Net bus")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libboost1.81-dev, libboost-json1.81-dev, libboost-system1.81-dev, libfmt-dev, libspdlog-dev, libssl-dev, libsqlite3-dev, libpqxx-dev, libnats-dev, libhiredis-dev, libxxhash-dev, libsodium-dev, libb2-dev, libmimalloc2.0, pkg-config")
set(CPACK_GENERATOR DEB)
include(CPack)
