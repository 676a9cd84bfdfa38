#pragma once
// A prepared SQLite statement with RAII finalize, and a guard that resets it after a call
// so the next call (and any reader in another process) does not see a statement in flight.

#include <sqlite3.h>

#include <string>
#include <string_view>

namespace neuromesh::registry::detail {

class statement {
 public:
  statement() = default;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement() { finalize(); }

  int prepare(sqlite3* db, const char* sql) {
    finalize();
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  }
  void finalize() noexcept {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
  int step() { return sqlite3_step(stmt_); }
  /// Back to the start, keeping the bindings (to retry the same call).
  void rewind() noexcept { sqlite3_reset(stmt_); }
  /// Back to the start with no bindings (after a call).
  void reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  // The bound text must outlive the step (callers bind locals of the calling function).
  void bind_text(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }
  void bind_int(int i, int v) { sqlite3_bind_int(stmt_, i, v); }

  bool column_is_null(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  int column_int(int i) { return sqlite3_column_int(stmt_, i); }
  /// Valid until the next step or reset of this statement.
  std::string_view column_view(int i) {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p == nullptr
               ? std::string_view()
               : std::string_view(reinterpret_cast<const char*>(p),
                                  static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
  }
  std::string column_text(int i) {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class reset_guard {
 public:
  explicit reset_guard(statement& s) : s_(s) {}
  ~reset_guard() { s_.reset(); }
  reset_guard(const reset_guard&) = delete;
  reset_guard& operator=(const reset_guard&) = delete;

 private:
  statement& s_;
};

}  // namespace neuromesh::registry::detail
