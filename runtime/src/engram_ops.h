#pragma once
// The imprint semantics and the saga journal, written once over the primitives of one backend
// transaction (memory: the locked maps; SQLite: BEGIN IMMEDIATE; PostgreSQL: one pqxx::work).

#include "neuromesh/runtime/engram.h"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::runtime::detail {

/// A stored row: the entry plus the columns the wire does not show.
struct stored_row {
  runtime::entry entry;
  std::string engram_kind;
  std::optional<time_point> deleted_at;
  friend bool operator==(const stored_row&, const stored_row&) = default;
};

/// The before-image of one journalled write: the row's state before it (nullopt: the write
/// created the row).
struct journal_record {
  std::string entry_id;
  std::optional<stored_row> before;
};

/// Row image <-> JSON (the journal's `before` column).
boost::json::object row_to_json(const stored_row& row);
std::optional<stored_row> row_from_json(const boost::json::value& v);

/// What apply_imprint needs from one transaction. Every call may fail with a backend error,
/// which aborts the transaction.
class engram_tx {
 public:
  virtual ~engram_tx() = default;
  /// The entry id an earlier imprint with this id produced.
  virtual engram_result<std::optional<std::string>> seen(std::string_view imprint_id) = 0;
  virtual engram_result<void> mark_seen(std::string_view imprint_id, std::string_view entry_id) = 0;
  /// Any row with this id, live or soft-deleted.
  virtual engram_result<std::optional<stored_row>> find(std::string_view id) = 0;
  /// The live row of merge_key updated last.
  virtual engram_result<std::optional<stored_row>> newest_live(std::string_view merge_key) = 0;
  virtual engram_result<void> insert(const stored_row& row) = 0;
  /// Overwrites every column of the row with row.entry.id.
  virtual engram_result<void> update(const stored_row& row) = 0;
  /// Removes the row entirely.
  virtual engram_result<void> erase(std::string_view id) = 0;
  /// True: op=delete sets deleted_at (SQL); false: it erases (memory).
  virtual bool soft_delete() const noexcept = 0;
  virtual engram_result<void> journal(std::string_view trace_id, const journal_record& r) = 0;
  /// The journal of trace, newest first, removed from the journal.
  virtual engram_result<std::vector<journal_record>> take_journal(std::string_view trace_id) = 0;
};

/// Applies r (already validated) inside tx.
engram_result<imprint_receipt> apply_imprint(engram_tx& tx, const imprint_request& r,
                                             const engram_identity& identity);

/// Restores the before-images of trace newest first; returns how many.
engram_result<std::size_t> compensate(engram_tx& tx, std::string_view trace_id);

/// A fresh entry id, eng_<ULID>.
std::string new_entry_id();

}  // namespace neuromesh::runtime::detail
