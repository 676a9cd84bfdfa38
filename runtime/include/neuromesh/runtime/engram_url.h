#pragma once
// Engram store URLs (the same spellings as registry store URLs):
//   memory:                          a memory_engram
//   sqlite:PATH, sqlite:///abs/path  a sqlite_engram on that file
//   postgres://..., postgresql://... a postgres_engram; the URL is the libpq DSN

#include "neuromesh/runtime/engram.h"

#include <memory>
#include <optional>
#include <string_view>

namespace neuromesh::runtime {

/// Builds and connects the Engram named by url. identity: the id/kind to announce (the
/// backend's reference defaults when absent). invalid_argument for a bad URL; connect()'s
/// errors otherwise.
engram_result<std::unique_ptr<engram>> open_engram(
    std::string_view url, std::optional<engram_identity> identity = std::nullopt);

}  // namespace neuromesh::runtime
