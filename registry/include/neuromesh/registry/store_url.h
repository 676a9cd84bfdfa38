#pragma once
// Store URLs, for every place that takes a store (CLI flags, node configuration):
//   memory:                        a memory_store
//   sqlite:PATH                    a sqlite_store on PATH (relative or absolute);
//   sqlite:///abs/path             the same with an absolute path; sqlite::memory: in memory
//   postgres://... postgresql://...  a postgres_store; the URL is the libpq DSN as written

#include "neuromesh/registry/registry_store.h"

#include <memory>
#include <string>
#include <string_view>

namespace neuromesh::registry {

struct store_url {
  enum class kind { memory, sqlite, postgres };
  kind backend = kind::memory;
  /// SQLite: the file path; PostgreSQL: the DSN; memory: empty.
  std::string location;
};

/// Parses a store URL; errc::bad_url with a message saying what is wrong otherwise.
store_result<store_url> parse_store_url(std::string_view url);

struct open_options {
  /// Open SQLite read-only (an operator inspecting a file); ignored by other backends.
  bool read_only = false;
};

/// Parses url, builds the store and connects it. Errors name the cause: bad URL,
/// unreachable server, read-only or corrupt SQLite file.
store_result<std::unique_ptr<registry_store>> open_store(std::string_view url,
                                                         const open_options& options = {});

}  // namespace neuromesh::registry
