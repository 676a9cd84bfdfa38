#pragma once
// PostgresEngram: for several processes sharing one memory.
//
// Tables `cosmonapse_engram_entries` and `cosmonapse_engram_imprint_seen` exactly as the Python
// SDK creates them (reference §6.4: JSONB content and meta, TEXT[] tags with a GIN index,
// TIMESTAMPTZ times), so either side reads the other's rows. neuromesh adds:
//   neuromesh_engram_content_trgm_idx  a pg_trgm GIN index on content::text with ASCII letters
//                                      lower-cased, serving text recall (LIKE '%needle%');
//                                      needs the pg_trgm extension, which
//                                      connect() creates when it may (trusted since PG 13).
//                                      Without it text recall scans (stats: no error).
//   neuromesh_engram_journal           the saga journal (before-images per trace, engram_id)
// The schema version is the storage core's (registry/storage/postgres.h: pg_migrate,
// neuromesh_schema component "engram"); a database created by the Python SDK or a build
// before the core is stamped in place, a newer one is refused (engram_errc::schema_too_new).
//
// Every imprint is one transaction: the row, its idempotency record and its journal record
// commit together. Writes that look up a row by merge_key or imprint id first take a
// transaction-scoped advisory lock on that key, so concurrent writers in several processes
// neither lose updates nor insert two rows for one merge_key. Note that JSONB stores object
// keys in its own order (as with the Python SDK).
//
// The storage core's pg_pool (max_connections; one opened by connect()) makes the engram
// safe to call from many threads. A broken connection is replaced and the call retried once
// (the core's retry policy; an imprint with an imprint_id is still applied once).

#include "neuromesh/runtime/engram.h"

#include <cstddef>
#include <memory>
#include <string>

namespace neuromesh::runtime {

/// The reference's defaults: "engram-postgres", kind "relational".
engram_identity default_postgres_identity();

struct postgres_engram_options {
  /// libpq connection string or URI, e.g. "postgresql://user:pw@host:5432/db".
  std::string dsn;
  engram_identity identity = default_postgres_identity();
  /// Largest number of open connections (the Python engram's max_size is 5).
  std::size_t max_connections = 5;
  /// Schema to create and use instead of the connection's search_path; empty = default.
  std::string schema;
};

class postgres_engram final : public engram {
 public:
  explicit postgres_engram(postgres_engram_options options);
  ~postgres_engram() override;

  engram_result<void> connect() override;
  void close() noexcept override;
  engram_result<std::size_t> compensate(std::string_view trace_id) override;
  engram_result<void> commit(std::string_view trace_id) override;
  std::string_view backend() const noexcept override { return "postgres"; }
  engram_stats stats() const noexcept override;

  /// Whether the pg_trgm text index exists (text recall uses it).
  bool has_text_index() const noexcept;

 protected:
  engram_result<recall_hits> do_recall(const recall_query& q) override;
  engram_result<imprint_receipt> do_imprint(const imprint_request& r) override;
  void count_rejected() noexcept override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace neuromesh::runtime
