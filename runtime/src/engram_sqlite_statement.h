#pragma once
// A prepared SQLite statement with RAII finalize and a guard that resets it after a call.
// (The registry layer keeps its own copy in its src/: detail headers stay inside a layer.)

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace neuromesh::runtime::detail {

class sqlite_statement {
 public:
  sqlite_statement() = default;
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;
  ~sqlite_statement() { finalize(); }

  int prepare(sqlite3* db, const std::string& sql) {
    finalize();
    return sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  }
  void finalize() noexcept {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
  bool prepared() const noexcept { return stmt_ != nullptr; }
  int step() { return sqlite3_step(stmt_); }
  void rewind() noexcept { sqlite3_reset(stmt_); }
  void reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // Bound text is copied (SQLITE_TRANSIENT): callers may bind temporaries.
  void bind_text(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }
  void bind_int64(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind_double(int i, double v) { sqlite3_bind_double(stmt_, i, v); }

  bool column_is_null(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::int64_t column_int64(int i) { return sqlite3_column_int64(stmt_, i); }
  std::string_view column_view(int i) {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p == nullptr
               ? std::string_view()
               : std::string_view(reinterpret_cast<const char*>(p),
                                  static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
  }
  std::string column_text(int i) { return std::string(column_view(i)); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class statement_reset {
 public:
  explicit statement_reset(sqlite_statement& s) : s_(s) {}
  ~statement_reset() { s_.reset(); }
  statement_reset(const statement_reset&) = delete;
  statement_reset& operator=(const statement_reset&) = delete;

 private:
  sqlite_statement& s_;
};

}  // namespace neuromesh::runtime::detail
