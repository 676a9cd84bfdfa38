// The storage core's PostgreSQL part against the PostgreSQL of scripts/services: migrations
// (order, stamping, refusal of newer versions, rollback of a failed step, simultaneous first
// starts), the pool's retry policy, the writer connection's reconnect, array literals.
#include "neuromesh/registry/storage/postgres.h"
#include "neuromesh/testing/postgres.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <random>
#include <thread>

// libpqxx 6.4 (Debian 12) leaks the error PGresult of a statement that fails because the
// server closed the connection (in exec_prepared and in its internal plain exec, which
// has no exported symbol to name); the killed-session tests provoke exactly that. Not ours
// to fix: suppress leaks allocated inside libpq (PGresults; our code never calls libpq
// directly, and our own objects are allocated from our frames, so they are still checked).
extern "C" const char* __lsan_default_suppressions() {
  return "leak:pqxx::connection_base::exec_prepared\nleak:libpq.so.5\n";
}

namespace neuromesh::registry::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct env {
  neuromesh::testing::pg_schema schema{"nm_core"};
  pg_options options() const { return {schema.dsn(), schema.name()}; }
  std::unique_ptr<pqxx::connection> raw() const { return schema.connect(); }
  std::string one(const std::string& sql) const {
    auto c = raw();
    pqxx::nontransaction tx(*c);
    auto r = tx.exec(sql);
    return r.empty() || r[0][0].is_null() ? "NULL" : r[0][0].c_str();
  }
};

// Each step appends its number to a log table, so the test sees which ran and in what order.
constexpr std::array<pg_migration, 3> steps{{
    {1, "CREATE TABLE steps_log(n INTEGER); INSERT INTO steps_log VALUES (1)"},
    {2, "INSERT INTO steps_log VALUES (2)"},
    {3, "INSERT INTO steps_log VALUES (3)"},
}};

TEST(pg_migrate, runs_every_step_in_order_once_and_stamps_the_component) {
  env e;
  auto c = pg_open(e.options());
  auto r = pg_migrate(*c, e.options(), "thing", std::span(steps).first(2));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.from_version, 0);
  EXPECT_EQ(r.to_version, 2);
  r = pg_migrate(*c, e.options(), "thing", steps);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.from_version, 2);
  EXPECT_EQ(r.to_version, 3);
  r = pg_migrate(*c, e.options(), "thing", steps);  // nothing left to do
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.from_version, 3);
  EXPECT_EQ(e.one("SELECT string_agg(n::text, ',' ORDER BY n) FROM steps_log"), "1,2,3");
  EXPECT_EQ(e.one("SELECT version FROM neuromesh_schema WHERE component = 'thing'"), "3");
}

TEST(pg_migrate, components_in_one_schema_keep_their_own_versions) {
  env e;
  auto c = pg_open(e.options());
  constexpr std::array<pg_migration, 1> other{{{1, "CREATE TABLE other_t(x INT)"}}};
  ASSERT_TRUE(pg_migrate(*c, e.options(), "thing", steps).ok);
  ASSERT_TRUE(pg_migrate(*c, e.options(), "other", other).ok);
  EXPECT_EQ(e.one("SELECT version FROM neuromesh_schema WHERE component = 'thing'"), "3");
  EXPECT_EQ(e.one("SELECT version FROM neuromesh_schema WHERE component = 'other'"), "1");
}

TEST(pg_migrate, a_newer_version_is_refused_and_nothing_runs) {
  env e;
  auto c = pg_open(e.options());
  ASSERT_TRUE(pg_migrate(*c, e.options(), "thing", std::span(steps).first(1)).ok);
  {
    auto raw = e.raw();
    pqxx::nontransaction tx(*raw);
    tx.exec("UPDATE neuromesh_schema SET version = 9 WHERE component = 'thing'");
  }
  auto r = pg_migrate(*c, e.options(), "thing", steps);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.too_new);
  EXPECT_EQ(r.to_version, 9);
  EXPECT_THAT(r.error, HasSubstr("thing schema version 9 is newer than this build's 3"));
  EXPECT_EQ(e.one("SELECT count(*) FROM steps_log"), "1");
}

TEST(pg_migrate, a_failing_step_rolls_back_every_step_and_names_itself) {
  env e;
  auto c = pg_open(e.options());
  constexpr std::array<pg_migration, 2> bad{{
      {1, "CREATE TABLE half(x INT)"},
      {2, "INSERT INTO no_such_table VALUES (1)"},
  }};
  auto r = pg_migrate(*c, e.options(), "thing", bad);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.too_new);
  EXPECT_EQ(r.failure, pg_failure::backend);
  EXPECT_THAT(r.error, HasSubstr("thing schema step 2"));
  EXPECT_THAT(r.error, HasSubstr("no_such_table"));
  EXPECT_EQ(e.one("SELECT to_regclass('half')::text"), "NULL");
  EXPECT_EQ(e.one("SELECT to_regclass('neuromesh_schema')::text"), "NULL");  // not even that
}

int legacy_three(pqxx::work& tx) {
  auto r = tx.exec("SELECT to_regclass('steps_log') IS NOT NULL");
  return r[0][0].as<bool>() ? 3 : 0;
}

TEST(pg_migrate, a_database_without_the_row_takes_its_version_from_the_legacy_hook) {
  env e;
  {
    auto raw = e.raw();
    pqxx::nontransaction tx(*raw);
    tx.exec("CREATE TABLE steps_log(n INTEGER); INSERT INTO steps_log VALUES (0)");
  }
  auto c = pg_open(e.options());
  auto r = pg_migrate(*c, e.options(), "thing", steps, legacy_three);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.from_version, 3);
  EXPECT_EQ(e.one("SELECT count(*) FROM steps_log"), "1");  // no step ran
  EXPECT_EQ(e.one("SELECT version FROM neuromesh_schema WHERE component = 'thing'"), "3");
}

TEST(pg_migrate, simultaneous_first_starts_run_each_step_once) {
  env e;
  constexpr int starters = 8;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < starters; ++i) {
    threads.emplace_back([&] {
      try {
        auto c = pg_open(e.options());
        auto r = pg_migrate(*c, e.options(), "thing", steps);
        if (r.ok)
          ++ok;
        else
          ADD_FAILURE() << r.error;
      } catch (const std::exception& ex) {
        ADD_FAILURE() << ex.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), starters);
  EXPECT_EQ(e.one("SELECT string_agg(n::text, ',' ORDER BY n) FROM steps_log"), "1,2,3");
}

void kill_other_sessions(const env& e) {
  auto raw = e.raw();
  pqxx::nontransaction tx(*raw);
  tx.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
      "AND datname = current_database() AND backend_type = 'client backend' AND "
      "query NOT ILIKE '%pg_stat_activity%'");
}

TEST(pg_pool, a_killed_session_is_replaced_and_the_call_runs_once_more) {
  env e;
  pg_pool pool(e.options(), 1);
  pool.open();
  EXPECT_EQ(pool.run([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec("SELECT 1")[0][0].as<int>();
  }),
            1);
  kill_other_sessions(e);
  EXPECT_EQ(pool.run([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec("SELECT 2")[0][0].as<int>();
  }),
            2);
  EXPECT_EQ(pool.reconnects(), 1u);
}

TEST(pg_pool, a_closed_pool_throws_pg_closed_and_an_sql_error_keeps_its_class) {
  env e;
  pg_pool pool(e.options(), 2);
  try {
    pool.run([](pqxx::connection&) { return 0; });
    ADD_FAILURE() << "ran on a pool that was never opened";
  } catch (const std::exception& ex) {
    EXPECT_EQ(pg_classify(ex), pg_failure::closed);
  }
  pool.open();
  try {
    pool.run([](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      tx.exec("SELECT * FROM no_such_table");
    });
    ADD_FAILURE() << "no error";
  } catch (const std::exception& ex) {
    EXPECT_EQ(pg_classify(ex), pg_failure::backend);
    EXPECT_THAT(ex.what(), HasSubstr("no_such_table"));
  }
  // The connection went back to the pool and still works.
  EXPECT_EQ(pool.run([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx.exec("SELECT 3")[0][0].as<int>();
  }),
            3);
}

TEST(pg_pool, an_unreachable_server_fails_open_and_the_message_hides_the_password) {
  pg_pool pool({"postgresql://u:secret@127.0.0.1:1/x?connect_timeout=1", {}}, 1);
  try {
    pool.open();
    ADD_FAILURE() << "opened";
  } catch (const std::exception& ex) {
    EXPECT_EQ(pg_classify(ex), pg_failure::unavailable);
  }
  EXPECT_FALSE(pool.is_open());
  EXPECT_EQ(pg_redact("postgresql://u:secret@h/x"), "postgresql://u:***@h/x");
  EXPECT_EQ(pg_redact("host=h password=secret user=u"), "host=h password=*** user=u");
  EXPECT_THAT(pg_redact("postgresql://u:secret@h/x"), Not(HasSubstr("secret")));
}

TEST(pg_writer_connection, a_batch_that_meets_a_killed_session_is_applied_again_and_commits) {
  env e;
  {
    auto raw = e.raw();
    pqxx::nontransaction tx(*raw);
    tx.exec("CREATE TABLE w(x INT)");
  }
  pg_writer_connection db(e.options(), "test", {});
  db.connect();
  group_writer writer(db, "test");
  auto insert = [&db](int x) {
    return [&db, x] {
      db.work().exec("INSERT INTO w VALUES (" + std::to_string(x) + ")");
      return true;
    };
  };
  std::atomic<int> ok{0};
  writer.submit(insert(1), [&](bool r) { ok += r; });
  ASSERT_TRUE(writer.flush());
  kill_other_sessions(e);
  writer.submit(insert(2), [&](bool r) { ok += r; });
  ASSERT_TRUE(writer.flush());
  EXPECT_EQ(ok.load(), 2);
  EXPECT_EQ(writer.stats().failed, 0u);
  EXPECT_EQ(writer.stats().reconnected, 1u);  // the batch that met the dead session, again
  EXPECT_EQ(db.reconnects(), 1u);
  EXPECT_EQ(e.one("SELECT string_agg(x::text, ',' ORDER BY x) FROM w"), "1,2");
}

// Staged work of a batch in which no operation opened a transaction runs alone in
// autocommit (one round trip); otherwise inside the batch's transaction, after its writes.
TEST(pg_writer_connection, staged_work_runs_in_the_batch_transaction_only_when_one_was_opened) {
  env e;
  {
    auto raw = e.raw();
    pqxx::nontransaction tx(*raw);
    tx.exec("CREATE TABLE w(x INT)");
  }
  std::vector<bool> in_transaction;  // writer thread; read after flush()
  int staged = 0;
  pg_writer_connection::hooks h;
  h.before_commit = [&](pqxx::transaction_base& tx) {
    in_transaction.push_back(dynamic_cast<pqxx::work*>(&tx) != nullptr);
    if (staged > 0) tx.exec("INSERT INTO w VALUES (" + std::to_string(staged) + ")");
    staged = 0;
  };
  h.on_rollback = [&] { staged = 0; };
  pg_writer_connection db(e.options(), "test", std::move(h));
  db.connect();
  group_writer writer(db, "test");
  writer.submit(
      [&] {
        staged = 1;
        return true;
      },
      nullptr);
  ASSERT_TRUE(writer.flush());
  writer.submit(
      [&] {
        db.work().exec("INSERT INTO w VALUES (10)");
        staged = 2;
        return true;
      },
      nullptr);
  ASSERT_TRUE(writer.flush());
  ASSERT_GE(in_transaction.size(), 2u);
  EXPECT_FALSE(in_transaction.front());  // the first batch: autocommit
  EXPECT_TRUE(std::find(in_transaction.begin(), in_transaction.end(), true) !=
              in_transaction.end());
  EXPECT_EQ(e.one("SELECT string_agg(x::text, ',' ORDER BY x) FROM w"), "1,2,10");
}

// Random strings (quotes, backslashes, braces, commas, NULL-looking words, UTF-8) through
// pg_text_array and back out of PostgreSQL unchanged.
TEST(pg_text_array, random_items_round_trip_through_postgres) {
  env e;
  const auto seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::printf("pg_text_array seed %u\n", seed);
  std::mt19937 rng(seed);
  const std::array<std::string, 12> atoms{"\"",   "\\", "{",           "}", ",",  " ",
                                          "NULL", "a",  "caf\xc3\xa9", "'", "\t", "\n"};
  auto c = e.raw();
  pqxx::nontransaction tx(*c);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> items(rng() % 5);
    for (auto& item : items) {
      for (auto n = rng() % 6; n > 0; --n) item += atoms[rng() % atoms.size()];
    }
    auto rows = tx.exec_params(
        "SELECT u FROM unnest($1::text[]) WITH ORDINALITY AS t(u, i) "
        "ORDER BY i",
        pg_text_array(items));
    ASSERT_EQ(rows.size(), items.size()) << pg_text_array(items);
    for (std::size_t i = 0; i < items.size(); ++i) {
      ASSERT_FALSE(rows[i][0].is_null()) << pg_text_array(items);
      EXPECT_EQ(rows[i][0].as<std::string>(), items[i]) << pg_text_array(items);
    }
  }
}

}  // namespace
}  // namespace neuromesh::registry::storage
