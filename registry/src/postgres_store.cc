#include "neuromesh/registry/postgres_store.h"

#include "capabilities_json.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

namespace neuromesh::registry {
namespace {

// The Python SDK's DDL, verbatim (reference §7.3).
constexpr const char* schema_sql = R"(
CREATE TABLE IF NOT EXISTS cosmonapse_neurons (
    neuron_id      TEXT PRIMARY KEY,
    capabilities   JSONB NOT NULL DEFAULT '[]'::jsonb,
    version        TEXT,
    status         TEXT NOT NULL DEFAULT 'registered',
    last_heartbeat TIMESTAMPTZ,
    registered_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS cosmonapse_neurons_status_idx
    ON cosmonapse_neurons (status);
)";

// neuromesh's one addition: a GIN index serving the @> capability filter (about 2 ms on
// 10,000 records instead of a ~12 ms scan that evaluates @> on every row). Additive: the
// Python store neither needs nor notices it. fastupdate = off because a pending list makes
// the planner price the index above a scan until the next vacuum; capabilities change
// only on REGISTER, so the slower insert path costs little.
constexpr const char* capability_index_sql =
    "CREATE INDEX IF NOT EXISTS cosmonapse_neurons_capabilities_idx "
    "ON cosmonapse_neurons USING gin (capabilities) WITH (fastupdate = off)";

constexpr const char* select_sql =
    "SELECT neuron_id, capabilities::text, version, status, last_heartbeat, registered_at "
    "FROM cosmonapse_neurons";

// The DSN with any password masked, for error messages.
std::string redact(const std::string& dsn) {
  std::string out = dsn;
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

const char* or_null(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

}  // namespace

struct postgres_store::impl {
  explicit impl(postgres_options o) : options(std::move(o)) {
    if (options.max_connections == 0) options.max_connections = 1;
  }

  postgres_options options;
  std::mutex mutex;
  std::condition_variable freed;
  std::vector<std::unique_ptr<pqxx::connection>> idle;
  std::size_t open = 0;  // idle + in use
  bool connected = false;
  bool schema_ready = false;
  std::atomic<std::uint64_t> reconnects{0}, rejected{0}, failures{0};

  std::string where() const { return "postgres " + redact(options.dsn); }

  store_error error(errc code, std::string_view what, std::string_view detail) {
    ++failures;
    return {code, where() + ": " + std::string(what) + ": " + std::string(detail)};
  }

  store_error from_sql_error(const pqxx::sql_error& e, std::string_view what) {
    const std::string state = e.sqlstate();
    errc code = errc::backend_error;
    if (state == "25006")
      code = errc::read_only;  // read_only_sql_transaction
    else if (state.starts_with("08"))
      code = errc::unavailable;  // connection exception
    else if (state.starts_with("57P"))
      code = errc::unavailable;  // server shutting down
    return error(code, what, e.what());
  }

  // A fresh connection: UTC session (TIMESTAMPTZ prints as +00), the optional schema, the
  // table on the first one, then the prepared statements.
  std::unique_ptr<pqxx::connection> make_connection() {
    auto c = std::make_unique<pqxx::connection>(options.dsn);
    {
      pqxx::nontransaction tx(*c);
      tx.exec("SET TIME ZONE 'UTC'; SET DateStyle TO ISO");
      if (!options.schema.empty()) tx.exec("SET search_path TO " + tx.quote_name(options.schema));
    }
    bool need_schema;
    {
      std::lock_guard lock(mutex);
      need_schema = !schema_ready;
    }
    if (need_schema) {
      // Several processes may start at once; CREATE ... IF NOT EXISTS alone races on the
      // catalog, so serialise the bootstrap with a transaction-scoped advisory lock.
      pqxx::work tx(*c);
      tx.exec("SELECT pg_advisory_xact_lock(hashtext('cosmonapse_neurons'))");
      if (!options.schema.empty())
        tx.exec("CREATE SCHEMA IF NOT EXISTS " + tx.quote_name(options.schema));
      tx.exec(schema_sql);
      tx.exec(capability_index_sql);
      tx.commit();
      std::lock_guard lock(mutex);
      schema_ready = true;
    }
    c->prepare("upsert",
               "INSERT INTO cosmonapse_neurons (neuron_id, capabilities, version, status, "
               "last_heartbeat, registered_at) VALUES ($1, $2::jsonb, $3, $4, $5::timestamptz, "
               "$6::timestamptz) ON CONFLICT (neuron_id) DO UPDATE SET "
               "capabilities = EXCLUDED.capabilities, version = EXCLUDED.version, "
               "status = EXCLUDED.status, last_heartbeat = EXCLUDED.last_heartbeat");
    c->prepare("touch",
               "INSERT INTO cosmonapse_neurons (neuron_id, last_heartbeat, status) "
               "VALUES ($1, $2::timestamptz, coalesce($3::text, 'registered')) "
               "ON CONFLICT (neuron_id) DO UPDATE SET last_heartbeat = EXCLUDED.last_heartbeat, "
               "status = coalesce($3::text, cosmonapse_neurons.status)");
    c->prepare("mark",
               "UPDATE cosmonapse_neurons SET status = 'deregistered' WHERE neuron_id = $1");
    c->prepare("get", std::string(select_sql) + " WHERE neuron_id = $1");
    // Two statements, so the filtered one has a plan that uses the GIN index.
    c->prepare("list",
               std::string(select_sql) + " WHERE ($1::boolean OR status <> 'deregistered')");
    c->prepare("list_capability", std::string(select_sql) +
                                      " WHERE ($1::boolean OR status <> 'deregistered') AND "
                                      "capabilities @> to_jsonb($2::text)");
    // Prepare now rather than on first use, so a connection the server closed meanwhile
    // fails in exec_prepared (libpqxx 6.4 leaks one PGresult there, ~2 KiB per broken
    // connection; tests/postgres_store_test.cc suppresses exactly that frame for LSan).
    for (const char* name : {"upsert", "touch", "mark", "get", "list", "list_capability"})
      c->prepare_now(name);
    return c;
  }

  // Takes an idle connection, or opens one while under max_connections, or waits.
  store_result<std::unique_ptr<pqxx::connection>> acquire() {
    {
      std::unique_lock lock(mutex);
      freed.wait(lock,
                 [&] { return !connected || !idle.empty() || open < options.max_connections; });
      if (!connected) {
        ++rejected;
        return store_error{errc::not_connected, where() + ": connect() not called"};
      }
      if (!idle.empty()) {
        auto c = std::move(idle.back());
        idle.pop_back();
        return c;
      }
      ++open;
    }
    try {
      return make_connection();
    } catch (const pqxx::sql_error& e) {
      forget_one();
      return from_sql_error(e, "preparing a connection");
    } catch (const std::exception& e) {
      forget_one();
      return error(errc::unavailable, "cannot connect", e.what());
    }
  }

  void forget_one() {
    std::lock_guard lock(mutex);
    --open;
    freed.notify_one();
  }

  void release(std::unique_ptr<pqxx::connection> c) {
    std::lock_guard lock(mutex);
    if (connected && c->is_open()) {
      idle.push_back(std::move(c));
    } else {
      --open;
    }
    freed.notify_one();
  }

  // Runs fn(connection) -> T; a broken connection is dropped and the call retried once on
  // a new one (statements here are single idempotent writes or reads, so a retry is safe).
  template <class T, class Fn>
  store_result<T> run(std::string_view what, Fn&& fn) {
    for (int attempt = 0;; ++attempt) {
      auto c = acquire();
      if (!c) return c.error();
      try {
        T out = fn(**c);
        release(std::move(*c));
        return out;
      } catch (const pqxx::broken_connection& e) {
        c->reset();
        forget_one();
        if (attempt == 0) {
          ++reconnects;
          continue;
        }
        return error(errc::unavailable, what, e.what());
      } catch (const pqxx::sql_error& e) {
        release(std::move(*c));
        return from_sql_error(e, what);
      } catch (const std::exception& e) {
        c->reset();
        forget_one();
        return error(errc::backend_error, what, e.what());
      }
    }
  }

  store_result<neuron_record> read_row(const pqxx::row& row) {
    neuron_record r;
    r.neuron_id = row[0].c_str();
    auto caps = detail::decode_capabilities(row[1].is_null() ? "" : row[1].c_str());
    if (!caps)
      return error(errc::bad_record, "neuron '" + r.neuron_id + "'",
                   std::string("capabilities is not a JSON array of strings: ") + row[1].c_str());
    r.capabilities = std::move(*caps);
    if (!row[2].is_null()) r.version = row[2].c_str();
    r.status = row[3].is_null() ? std::string(status::registered) : row[3].c_str();
    if (!row[4].is_null()) {
      auto tp = parse_iso8601(row[4].c_str());
      if (!tp)
        return error(errc::bad_record, "neuron '" + r.neuron_id + "'",
                     std::string("last_heartbeat is not a finite time: ") + row[4].c_str());
      r.last_heartbeat = *tp;
    }
    if (!row[5].is_null()) {
      auto tp = parse_iso8601(row[5].c_str());
      if (!tp)
        return error(errc::bad_record, "neuron '" + r.neuron_id + "'",
                     std::string("registered_at is not a finite time: ") + row[5].c_str());
      r.registered_at = *tp;
    }
    return r;
  }
};

postgres_store::postgres_store(postgres_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}
postgres_store::postgres_store(std::string dsn)
    : postgres_store([&] {
        postgres_options o;
        o.dsn = std::move(dsn);
        return o;
      }()) {}
postgres_store::~postgres_store() { close(); }

store_result<void> postgres_store::connect() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->connected) return {};
    impl_->connected = true;
  }
  // Open the first connection now so an unreachable server is reported by connect().
  auto c = impl_->acquire();
  if (!c) {
    std::lock_guard lock(impl_->mutex);
    impl_->connected = false;
    return c.error();
  }
  impl_->release(std::move(*c));
  return {};
}

void postgres_store::close() noexcept {
  std::lock_guard lock(impl_->mutex);
  impl_->connected = false;
  impl_->open -= impl_->idle.size();
  impl_->idle.clear();  // connections in use close when they come back
  impl_->freed.notify_all();
}

store_stats postgres_store::stats() const noexcept {
  store_stats s;
  s.reconnects = impl_->reconnects.load();
  s.rejected = impl_->rejected.load();
  s.failures = impl_->failures.load();
  return s;
}

void postgres_store::count_rejected() noexcept { ++impl_->rejected; }

store_result<void> postgres_store::do_upsert(const neuron_record& record) {
  const std::string caps = detail::encode_capabilities(record.capabilities);
  const std::optional<std::string> hb =
      record.last_heartbeat ? std::optional(format_iso8601(*record.last_heartbeat)) : std::nullopt;
  const std::string reg = format_iso8601(record.registered_at);
  auto r = impl_->run<bool>("upsert", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_prepared("upsert", record.neuron_id, caps, or_null(record.version), record.status,
                     or_null(hb), reg);
    return true;
  });
  if (!r) return r.error();
  return {};
}

store_result<void> postgres_store::do_mark_deregistered(std::string_view neuron_id) {
  const std::string id(neuron_id);
  auto r = impl_->run<bool>("mark_deregistered", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_prepared("mark", id);
    return true;
  });
  if (!r) return r.error();
  return {};
}

store_result<void> postgres_store::do_touch_heartbeat(std::string_view neuron_id, time_point ts,
                                                      std::optional<std::string_view> status) {
  const std::string id(neuron_id);
  const std::string ts_text = format_iso8601(ts);
  const std::optional<std::string> st = status ? std::optional<std::string>(*status) : std::nullopt;
  auto r = impl_->run<bool>("touch_heartbeat", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_prepared("touch", id, ts_text, or_null(st));
    return true;
  });
  if (!r) return r.error();
  return {};
}

store_result<std::optional<neuron_record>> postgres_store::do_get(std::string_view neuron_id) {
  const std::string id(neuron_id);
  auto rows = impl_->run<pqxx::result>("get", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec_prepared("get", id);
  });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<neuron_record>{};
  auto r = impl_->read_row((*rows)[0]);
  if (!r) return r.error();
  return std::optional<neuron_record>{std::move(*r)};
}

store_result<std::vector<neuron_record>> postgres_store::do_list(const list_options& options) {
  auto rows = impl_->run<pqxx::result>("list", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    if (options.capability)
      return tx.exec_prepared("list_capability", options.include_deregistered, *options.capability);
    return tx.exec_prepared("list", options.include_deregistered);
  });
  if (!rows) return rows.error();
  std::vector<neuron_record> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) {
    auto r = impl_->read_row(row);
    if (!r) return r.error();
    out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(), [](const neuron_record& a, const neuron_record& b) {
    return a.neuron_id < b.neuron_id;
  });
  return out;
}

}  // namespace neuromesh::registry
