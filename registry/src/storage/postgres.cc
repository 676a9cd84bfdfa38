#include "neuromesh/registry/storage/postgres.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace neuromesh::registry::storage {

std::string pg_redact(std::string_view dsn) {
  std::string out(dsn);
  if (const auto scheme = out.find("://"); scheme != std::string::npos) {
    const auto at = out.find('@', scheme + 3);
    const auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at)
      out.replace(colon + 1, at - colon - 1, "***");
  }
  if (const auto pw = out.find("password="); pw != std::string::npos) {
    const auto end = out.find(' ', pw);
    out.replace(pw + 9, (end == std::string::npos ? out.size() : end) - pw - 9, "***");
  }
  return out;
}

pg_failure pg_classify(const std::exception& e) noexcept {
  if (dynamic_cast<const pg_closed*>(&e) != nullptr) return pg_failure::closed;
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return pg_failure::unavailable;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql != nullptr) {
    const std::string& state = sql->sqlstate();
    if (state == "25006") return pg_failure::read_only;  // read_only_sql_transaction
    if (state.starts_with("08") || state.starts_with("57P")) return pg_failure::unavailable;
  }
  return pg_failure::backend;
}

std::unique_ptr<pqxx::connection> pg_open(const pg_options& options) {
  auto c = std::make_unique<pqxx::connection>(options.dsn);
  pqxx::nontransaction tx(*c);
  tx.exec("SET TIME ZONE 'UTC'; SET DateStyle TO ISO");
  if (!options.schema.empty()) tx.exec("SET search_path TO " + tx.quote_name(options.schema));
  return c;
}

void pg_array_append(std::string& out, std::string_view v) {
  out += out.empty() ? "{\"" : ",\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void pg_array_append_null(std::string& out) { out += out.empty() ? "{NULL" : ",NULL"; }

void pg_array_close(std::string& out) { out += out.empty() ? "{}" : "}"; }

std::string pg_text_array(std::span<const std::string> items) {
  std::string out;
  for (const auto& item : items) pg_array_append(out, item);
  pg_array_close(out);
  return out;
}

// ---- pool ----

pg_pool::pg_pool(pg_options options, std::size_t max_connections, pg_setup setup)
    : options_(std::move(options)),
      max_(max_connections == 0 ? 1 : max_connections),
      setup_(std::move(setup)) {}

pg_pool::~pg_pool() { close(); }

void pg_pool::open() {
  {
    std::lock_guard lock(mu_);
    if (open_) return;
    open_ = true;
  }
  try {
    lease c = acquire();
    release(c);
  } catch (...) {
    close();
    throw;
  }
}

void pg_pool::close() noexcept {
  std::lock_guard lock(mu_);
  open_ = false;
  open_count_ -= idle_.size();
  idle_.clear();
  freed_.notify_all();
}

bool pg_pool::is_open() const {
  std::lock_guard lock(mu_);
  return open_;
}

pg_pool::lease pg_pool::acquire() {
  {
    std::unique_lock lock(mu_);
    freed_.wait(lock, [&] { return !open_ || !idle_.empty() || open_count_ < max_; });
    if (!open_) throw pg_closed("postgres " + pg_redact(options_.dsn) + ": not connected");
    if (!idle_.empty()) {
      lease c{std::move(idle_.back())};
      idle_.pop_back();
      return c;
    }
    ++open_count_;
  }
  try {
    lease c{pg_open(options_)};
    if (setup_) setup_(*c.conn);
    return c;
  } catch (...) {
    std::lock_guard lock(mu_);
    --open_count_;
    freed_.notify_one();
    throw;
  }
}

void pg_pool::release(lease& c) noexcept {
  std::lock_guard lock(mu_);
  if (open_ && c.conn && c.conn->is_open()) {
    idle_.push_back(std::move(c.conn));
  } else {
    --open_count_;
  }
  c.conn.reset();
  freed_.notify_one();
}

void pg_pool::drop(lease& c) noexcept {
  c.conn.reset();
  std::lock_guard lock(mu_);
  --open_count_;
  freed_.notify_one();
}

// ---- writer connection ----

pg_writer_connection::pg_writer_connection(pg_options options, std::string name, hooks h)
    : options_(std::move(options)), name_(std::move(name)), hooks_(std::move(h)) {}

void pg_writer_connection::connect() {
  if (std::exchange(ever_connected_, true)) ++reconnects_;
  conn_.reset();
  auto c = pg_open(options_);
  if (hooks_.setup) hooks_.setup(*c);
  conn_ = std::move(c);
}

void pg_writer_connection::failed(const std::exception& e, std::string_view what) {
  last_failure_ = pg_classify(e);
  last_error_ = std::string(what) + ": " + e.what();
  spdlog::error("{}: {}", name_, last_error_);
}

bool pg_writer_connection::begin() {
  last_error_.clear();
  lost_ = false;
  work_.reset();
  try {
    if (!conn_ || !conn_->is_open()) connect();
    return true;
  } catch (const std::exception& e) {
    conn_.reset();
    failed(e, "cannot connect");
    return false;
  }
}

pqxx::work& pg_writer_connection::work() {
  if (!work_) work_ = std::make_unique<pqxx::work>(*conn_);
  return *work_;
}

bool pg_writer_connection::commit() {
  try {
    if (work_) {
      if (hooks_.before_commit) hooks_.before_commit(*work_);
      work_->commit();
      work_.reset();
    } else if (hooks_.before_commit) {
      // Nothing opened a transaction: the staged statement runs alone, atomic by itself.
      pqxx::nontransaction tx(*conn_);
      hooks_.before_commit(tx);
    }
    return true;
  } catch (const std::exception& e) {
    failed(e, "commit");
    if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) conn_.reset();
    return false;
  }
}

void pg_writer_connection::rollback() noexcept {
  if (hooks_.on_rollback) hooks_.on_rollback();
  try {
    if (work_) work_->abort();
  } catch (...) {
    conn_.reset();  // a session that cannot roll back is not reused
  }
  work_.reset();
  if (!conn_ || !conn_->is_open()) {
    conn_.reset();
    lost_ = true;
  }
}

bool pg_writer_connection::take_lost_connection() noexcept { return std::exchange(lost_, false); }

// ---- migrations ----

pg_migrate_result pg_migrate(pqxx::connection& c, const pg_options& options,
                             std::string_view component, std::span<const pg_migration> steps,
                             int (*legacy_version)(pqxx::work&)) {
  pg_migrate_result out;
  const std::string name(component);
  std::string doing = "starting the " + name + " schema migration";
  try {
    pqxx::work tx(c);
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('neuromesh_schema'))");
    if (!options.schema.empty()) {
      doing = "creating schema " + options.schema;
      tx.exec("CREATE SCHEMA IF NOT EXISTS " + tx.quote_name(options.schema));
    }
    doing = "creating neuromesh_schema";
    tx.exec(
        "CREATE TABLE IF NOT EXISTS neuromesh_schema(component TEXT PRIMARY KEY, "
        "version INTEGER NOT NULL)");
    doing = "reading the " + name + " schema version";
    auto row = tx.exec_params("SELECT version FROM neuromesh_schema WHERE component = $1", name);
    const bool found = !row.empty();
    int version = found ? row[0][0].as<int>() : 0;
    if (!found && legacy_version != nullptr) version = legacy_version(tx);
    out.from_version = version;
    const int latest = steps.empty() ? 0 : steps.back().version;
    if (version > latest) {
      out.ok = false;
      out.too_new = true;
      out.to_version = version;
      out.error = name + " schema version " + std::to_string(version) +
                  " is newer than this build's " + std::to_string(latest);
      return out;  // tx aborts: nothing written
    }
    for (const auto& step : steps) {
      if (step.version <= version) continue;
      doing = name + " schema step " + std::to_string(step.version);
      tx.exec(step.sql);
      version = step.version;
    }
    if (!found || version != out.from_version) {
      doing = "stamping the " + name + " schema version";
      tx.exec_params(
          "INSERT INTO neuromesh_schema(component, version) VALUES ($1, $2) "
          "ON CONFLICT(component) DO UPDATE SET version = excluded.version",
          name, version);
    }
    doing = "committing the " + name + " schema migration";
    tx.commit();
    out.to_version = version;
  } catch (const std::exception& e) {
    out.ok = false;
    out.failure = pg_classify(e);
    out.error = doing + ": " + e.what();
  }
  return out;
}

}  // namespace neuromesh::registry::storage
