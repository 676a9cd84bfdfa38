#pragma once
// Engram: shared memory of a mesh (reference §6). An Engram is a storage wrapper hosted by a
// Dendrite and addressed by engram_id or engram_kind; agents read it with RECALL and write it
// with IMPRINT. This header is the model, independent of any transport: the entry, the query,
// the imprint request and receipt, the binding, and the `engram` interface every backend
// implements (engram_memory.h, engram_sqlite.h, engram_postgres.h; engram_url.h opens one from
// a URL). engram_wire.h maps RECALL/IMPRINT Signals onto it.
//
// Operations (§6.3, the same on every backend; tests/engram_conformance.cc):
//   add     insert with entry.id or a new eng_<ULID>; an existing id is a receipt error
//   append  always a new row, version 1 (entry.id kept unless some row has it)
//   upsert  (merge_key) replace content/tags/meta of the newest live row of that merge_key,
//           version+1, created_at kept; none: insert as add
//   merge   (merge_key) deep-merge into the newest live row: objects merged recursively,
//           arrays concatenated without duplicates, scalars overwritten, null keeps the old
//           value; tags united (old order, then new ones); meta deep-merged; version+1;
//           none: receipt error "no entry for merge_key='k'"
//   delete  by entry.id, else the newest live row of merge_key; none: a receipt without id and
//           without error. memory evicts the row; SQLite/PostgreSQL set deleted_at.
// A request with imprint_id is applied once: a replay (also after a restart on the SQL
// backends) returns the first receipt's id and the row's current version, writing nothing.
//
// Saga journal (§6.5, on every backend here): a write with a trace_id records the row's prior
// state in the same transaction; compensate(trace) restores those states newest first (rows
// the trace created disappear, updated and deleted rows come back with their old content,
// tags, meta, version and timestamps) and returns how many writes it undid; commit(trace)
// forgets them. On SQLite and PostgreSQL the journal is a table, so it survives a restart.
// Rollback is of this Engram's rows only: a write by another trace to the same row in between
// is overwritten by the restore (the usual saga caveat).
//
// Threads: every backend is safe to call from many threads. Calls are synchronous and block
// on I/O; a host on an event loop runs them on a thread pool. Expected failures are values.

#include "neuromesh/registry/iso_time.h"
#include "neuromesh/runtime/binding.h"
#include "neuromesh/runtime/engram_errc.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::runtime {

using registry::time_point;

enum class imprint_op { add, append, upsert, merge, remove };

/// "add", "append", "upsert", "merge", "delete".
std::string_view to_string(imprint_op op) noexcept;
/// The op named by s, or nullopt.
std::optional<imprint_op> imprint_op_from_string(std::string_view s) noexcept;

/// One stored entry (Hit.entry on the wire).
struct entry {
  std::string id;
  boost::json::value content;
  std::vector<std::string> tags;
  std::int64_t version = 1;
  time_point created_at{};
  time_point updated_at{};
  std::optional<std::string> merge_key;
  boost::json::object meta;

  /// The reference's entry dict: id, content, tags, version, created_at, updated_at (ISO-8601
  /// with +00:00), then merge_key when set and meta when not empty.
  boost::json::object to_json() const;
  friend bool operator==(const entry&, const entry&) = default;
};

/// One recall hit: {"id", "entry", "score"} on the wire.
struct hit {
  std::string id;
  runtime::entry entry;
  double score = 1.0;
  boost::json::object to_json() const;
};

/// RECALL's query, filters and options (§6.3), decoded.
struct recall_query {
  /// Case-insensitive substring of the content's JSON text (ASCII letters fold; other
  /// characters compare exactly). Score = len(text) / len(content JSON); hits with text are
  /// ordered by score, then newest first.
  std::optional<std::string> text;
  std::optional<std::string> tag;        ///< the entry has this tag
  std::optional<std::string> merge_key;  ///< exactly this merge_key
  std::size_t top_k = 50;                ///< at most this many hits
  std::vector<std::string> tags;         ///< filters.tags: every one present
  std::optional<time_point> since;       ///< filters.since: updated_at >= since
  std::optional<time_point> until;       ///< filters.until: updated_at <= until
  std::optional<double> min_confidence;  ///< drop hits scoring lower
  std::optional<std::string> context_ref;
  std::optional<std::chrono::milliseconds> deadline;  ///< advisory for the backend
};

/// The largest top_k a request may ask for.
inline constexpr std::size_t max_top_k = 10'000;

struct recall_hits {
  std::vector<hit> hits;
  bool truncated = false;  ///< more entries matched than top_k
};

/// IMPRINT, decoded. `entry` on the wire is {"id"?, "content", "tags"?, "meta"?}.
struct imprint_request {
  imprint_op op = imprint_op::add;
  std::optional<std::string> id;
  boost::json::value content;  ///< null when absent
  std::vector<std::string> tags;
  boost::json::object meta;
  std::optional<std::string> merge_key;   ///< required (non-empty) for upsert and merge
  std::optional<std::string> imprint_id;  ///< the IMPRINT's id: idempotency key
  std::optional<std::string> trace_id;    ///< journal the write under this trace
};

/// ImprintReceipt: what IMPRINTED carries. ok() when no error.
struct imprint_receipt {
  std::string engram_id;
  imprint_op op = imprint_op::add;
  std::optional<std::string> id;
  std::optional<std::int64_t> version;
  std::optional<std::int64_t> took_ms;
  std::optional<std::string> error;
  bool ok() const noexcept { return !error; }
};

/// What the caller side of RECALL returns: hits merged from every Engram that answered.
struct recall_result {
  std::vector<hit> hits;
  std::vector<std::string> engram_ids;
  bool truncated = false;
  std::optional<std::int64_t> took_ms;
};

/// Counters of what an Engram served, retried or rejected (for /metrics).
struct engram_stats {
  std::uint64_t recalls = 0;
  std::uint64_t imprints = 0;        ///< imprints that wrote something
  std::uint64_t replays = 0;         ///< imprints answered from the idempotency table
  std::uint64_t receipt_errors = 0;  ///< imprints answered with a receipt error
  std::uint64_t rejected = 0;        ///< calls refused (bad request, not connected)
  std::uint64_t failures = 0;        ///< backend failures
  std::uint64_t busy_retries = 0;    ///< lock contention retried (SQLite)
  std::uint64_t reconnects = 0;      ///< broken connections replaced (PostgreSQL)
  std::uint64_t compensated = 0;     ///< journalled writes undone
};

/// Identity an Engram announces in REGISTER (role "engram", directed.type = kind).
struct engram_identity {
  std::string engram_id;
  std::string engram_kind;
  std::vector<std::string> capabilities;
  std::optional<std::string> version;
};

class engram {
 public:
  explicit engram(engram_identity identity) : identity_(std::move(identity)) {}
  virtual ~engram() = default;
  engram(const engram&) = delete;
  engram& operator=(const engram&) = delete;

  const std::string& engram_id() const noexcept { return identity_.engram_id; }
  const std::string& engram_kind() const noexcept { return identity_.engram_kind; }
  const std::vector<std::string>& capabilities() const noexcept { return identity_.capabilities; }
  const std::optional<std::string>& version() const noexcept { return identity_.version; }
  const engram_identity& identity() const noexcept { return identity_; }

  /// Opens resources, creates or migrates the schema. Idempotent.
  virtual engram_result<void> connect() = 0;
  /// Releases resources (the memory backend forgets everything, as the reference does).
  virtual void close() noexcept = 0;

  /// Entries matching q, at most q.top_k. A miss is an empty list, never an error.
  engram_result<recall_hits> recall(const recall_query& q);
  /// Applies one write. Op-level failures (id collision, no merge_key, nothing to merge)
  /// are receipt errors; backend failures are engram_errors.
  engram_result<imprint_receipt> imprint(const imprint_request& r);
  /// False: this Engram stays silent for q (the reference's optional can_serve).
  virtual bool can_serve(const recall_query& q) const;
  /// Undoes the writes journalled under trace, newest first; returns how many.
  virtual engram_result<std::size_t> compensate(std::string_view trace_id) = 0;
  /// Forgets the journal of trace (the saga committed).
  virtual engram_result<void> commit(std::string_view trace_id) = 0;

  virtual std::string_view backend() const noexcept = 0;
  virtual engram_stats stats() const noexcept = 0;

 protected:
  // Called with a validated request (top_k <= max_top_k; merge_key present and non-empty for
  // upsert and merge).
  virtual engram_result<recall_hits> do_recall(const recall_query& q) = 0;
  virtual engram_result<imprint_receipt> do_imprint(const imprint_request& r) = 0;
  virtual void count_rejected() noexcept = 0;

 private:
  engram_identity identity_;
};

}  // namespace neuromesh::runtime
