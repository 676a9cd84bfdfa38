#pragma once
// Completion handler for co_spawn: logs an escaping exception instead of losing it (never
// asio::detached for fallible work).

#include <spdlog/spdlog.h>

#include <exception>

namespace neuromesh::synapse::detail {

struct log_exception {
  const char* what;
  void operator()(std::exception_ptr e) const noexcept {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("synapse: {} failed: {}", what, ex.what());
    } catch (...) {
      spdlog::error("synapse: {} failed with an unknown exception", what);
    }
  }
};

}  // namespace neuromesh::synapse::detail
