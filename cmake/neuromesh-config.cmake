# find_package(neuromesh): imported targets neuromesh::<layer> and the umbrella
# neuromesh::neuromesh, each carrying its own dependencies.
include(CMakeFindDependencyMacro)
include(${CMAKE_CURRENT_LIST_DIR}/neuromesh-deps.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/neuromesh-targets.cmake)
