#pragma once
// PostgreSQL for service tests: the server scripts/services started (NEUROMESH_PG_DSN) and a
// schema of each test's own. Header-only: only the PostgreSQL tests include it, and they
// link libpqxx already.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace neuromesh::testing {

/// NEUROMESH_PG_DSN. Without it the calling test fails (a service test never skips), and the
/// DSN returned points nowhere, so connecting fails at once.
inline std::string pg_dsn() {
  const char* dsn = std::getenv("NEUROMESH_PG_DSN");
  if (dsn == nullptr || *dsn == '\0') {
    ADD_FAILURE() << "NEUROMESH_PG_DSN is not set: start PostgreSQL with "
                     "`scripts/services start DIR` and `source DIR/env`";
    return "postgresql://neuromesh-pg-dsn-unset.invalid/x?connect_timeout=1";
  }
  return dsn;
}

/// A schema for one test, named `<prefix>_<pid>_<n>` and dropped with everything in it when
/// destroyed, so tests never see each other's rows in the shared database.
class pg_schema {
 public:
  explicit pg_schema(std::string_view prefix)
      : name_(fmt::format("{}_{}_{}", prefix, ::getpid(), counter()++)) {}
  ~pg_schema() {
    try {
      pqxx::connection c(dsn_);
      pqxx::nontransaction tx(c);
      tx.exec("DROP SCHEMA IF EXISTS " + tx.quote_name(name_) + " CASCADE");
    } catch (const std::exception&) {
    }
  }
  pg_schema(const pg_schema&) = delete;
  pg_schema& operator=(const pg_schema&) = delete;

  const std::string& dsn() const noexcept { return dsn_; }
  const std::string& name() const noexcept { return name_; }

  /// A plain connection on this schema (created if missing), in UTC, as another program
  /// would use it.
  std::unique_ptr<pqxx::connection> connect() const {
    auto c = std::make_unique<pqxx::connection>(dsn_);
    pqxx::nontransaction tx(*c);
    tx.exec("CREATE SCHEMA IF NOT EXISTS " + tx.quote_name(name_));
    tx.exec("SET search_path TO " + tx.quote_name(name_));
    tx.exec("SET TIME ZONE 'UTC'");
    return c;
  }

 private:
  static std::atomic<int>& counter() {
    static std::atomic<int> n{0};
    return n;
  }
  std::string dsn_ = pg_dsn();
  std::string name_;
};

}  // namespace neuromesh::testing
