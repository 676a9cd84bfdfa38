#pragma once
// SqliteEngram: the embedded default, one file on disk (or ":memory:").
//
// Tables `engram_entries` and `engram_imprint_seen` exactly as the Python SDK creates them
// (reference §6.4) with its row formats — content, tags and meta as json.dumps text, times as
// isoformat() with +00:00 — so a file written by either side reads unchanged on the other.
// neuromesh adds, without touching those tables:
//   neuromesh_engram_fts      FTS5 trigram index over engram_entries.content (external
//                             content, kept in step by triggers, so rows a Python writer adds
//                             are indexed too); text recall of 3+ characters uses it, shorter
//                             needles scan. Rebuilt when first created. (VACUUM can renumber
//                             the rowids it keys on: call rebuild_index() after a VACUUM.)
//   neuromesh_engram_journal  the saga journal (before-images per trace and engram_id)
//   neuromesh_engram_schema   the version as builds before the storage core read it (1);
//                             the version itself is the storage core's (neuromesh_schema,
//                             component "engram")
//
// Durability: WAL, one transaction per imprint (BEGIN IMMEDIATE .. COMMIT: the row, its
// idempotency record and its journal record commit together). synchronous=NORMAL by default:
// an acknowledged imprint is in the WAL in the OS page cache and survives kill -9 (not a
// power cut); fsync_every_commit selects synchronous=FULL.
//
// Concurrency: several processes may share the file; lock contention is retried with backoff
// for up to lock_budget (then engram_errc::busy). One connection per engram, serialised by a
// mutex.

#include "neuromesh/runtime/engram.h"

#include <chrono>
#include <memory>
#include <string>

namespace neuromesh::runtime {

/// The reference's defaults: "engram-sqlite", kind "relational".
engram_identity default_sqlite_identity();

struct sqlite_engram_options {
  std::string path = ":memory:";
  engram_identity identity = default_sqlite_identity();
  /// false: synchronous=NORMAL (survives a process crash); true: FULL (survives power loss).
  bool fsync_every_commit = false;
  /// How long one call keeps retrying a locked database before engram_errc::busy.
  std::chrono::milliseconds lock_budget{30'000};
};

class sqlite_engram final : public engram {
 public:
  /// The neuromesh schema version this build writes (neuromesh_schema, component "engram").
  static constexpr int schema_version = 1;

  explicit sqlite_engram(sqlite_engram_options options);
  ~sqlite_engram() override;

  engram_result<void> connect() override;
  void close() noexcept override;
  engram_result<std::size_t> compensate(std::string_view trace_id) override;
  engram_result<void> commit(std::string_view trace_id) override;
  std::string_view backend() const noexcept override { return "sqlite"; }
  engram_stats stats() const noexcept override;

  /// Rebuilds the text index from engram_entries (after a VACUUM).
  engram_result<void> rebuild_index();

 protected:
  engram_result<recall_hits> do_recall(const recall_query& q) override;
  engram_result<imprint_receipt> do_imprint(const imprint_request& r) override;
  void count_rejected() noexcept override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace neuromesh::runtime
