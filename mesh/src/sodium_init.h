#pragma once
namespace neuromesh::mesh::detail {
/// Initialises libsodium once (thread-safe); aborts if it cannot.
void ensure_sodium();
}  // namespace neuromesh::mesh::detail
