#pragma once
// Helpers every test suite shares. Tests wait by polling with a deadline, never a fixed sleep.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace neuromesh::testing {

/// Polls pred every millisecond until it is true or the deadline passes; returns pred().
bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds deadline = std::chrono::seconds(10));

/// A loopback TCP port that was free a moment ago.
std::uint16_t free_port();

/// Value of an environment variable, or fallback.
std::string env_or(const char* name, std::string fallback);

/// Path of a file under the source tree (NEUROMESH_SOURCE_DIR set by ctest).
std::string source_path(const std::string& relative);

}  // namespace neuromesh::testing
