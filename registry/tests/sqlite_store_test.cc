#include "neuromesh/registry/sqlite_store.h"

#include "neuromesh/testing/temp_dir.h"
#include "registry_store_conformance.h"

#include <gmock/gmock.h>
#include <sqlite3.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace neuromesh::registry::testing {
namespace {

using neuromesh::testing::temp_dir;

using ::testing::HasSubstr;

class sqlite_file_env final : public store_env {
 public:
  std::unique_ptr<registry_store> make_store() override {
    return std::make_unique<sqlite_store>(dir_.file("registry.db"));
  }
  bool shared_data() const override { return true; }

 private:
  temp_dir dir_;
};

class sqlite_memory_env final : public store_env {
 public:
  std::unique_ptr<registry_store> make_store() override {
    return std::make_unique<sqlite_store>(":memory:");
  }
  bool shared_data() const override { return false; }
};

INSTANTIATE_TEST_SUITE_P(
    sqlite, registry_store_conformance,
    ::testing::Values(backend{"sqlite_file", [] { return std::make_unique<sqlite_file_env>(); }},
                      backend{"sqlite_memory",
                              [] { return std::make_unique<sqlite_memory_env>(); }}),
    backend_name);

// Raw access to a file, as another program (or the Python SDK) would have it.
class raw_db {
 public:
  explicit raw_db(const std::string& path) { sqlite3_open(path.c_str(), &db_); }
  ~raw_db() { sqlite3_close(db_); }
  int exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr);
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr)
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

constexpr const char* python_ddl = R"(
CREATE TABLE IF NOT EXISTS neurons (
    neuron_id      TEXT PRIMARY KEY,
    capabilities   TEXT NOT NULL DEFAULT '[]',
    version        TEXT,
    status         TEXT NOT NULL DEFAULT 'registered',
    last_heartbeat TEXT,
    registered_at  TEXT NOT NULL
);)";

TEST(sqlite_store, uses_wal_and_stamps_schema_version_one) {
  temp_dir dir;
  sqlite_store store(dir.file("r.db"));
  ASSERT_TRUE(store.connect());
  raw_db raw(dir.file("r.db"));
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.text("PRAGMA user_version"), "1");
}

TEST(sqlite_store, writes_python_formats_in_the_neurons_table) {
  temp_dir dir;
  sqlite_store store(dir.file("r.db"));
  ASSERT_TRUE(store.connect());
  neuron_record r;
  r.neuron_id = "a";
  r.capabilities = {"nlp", "caf\xc3\xa9"};
  r.last_heartbeat = *parse_iso8601("2026-01-01T12:00:00.5+00:00");
  r.registered_at = *parse_iso8601("2026-01-01T00:00:00Z");
  ASSERT_TRUE(store.upsert(r));
  raw_db raw(dir.file("r.db"));
  EXPECT_EQ(raw.text("SELECT capabilities FROM neurons"), "[\"nlp\", \"caf\\u00e9\"]");
  EXPECT_EQ(raw.text("SELECT last_heartbeat FROM neurons"), "2026-01-01T12:00:00.500000+00:00");
  EXPECT_EQ(raw.text("SELECT registered_at FROM neurons"), "2026-01-01T00:00:00+00:00");
  EXPECT_EQ(raw.text("SELECT quote(version) FROM neurons"), "NULL");
}

TEST(sqlite_store, migrates_a_python_created_file_in_place) {
  temp_dir dir;
  {
    raw_db raw(dir.file("py.db"));
    ASSERT_EQ(raw.exec(python_ddl), SQLITE_OK);
    ASSERT_EQ(raw.exec("INSERT INTO neurons VALUES ('p', '[\"nlp\"]', '0.1', 'ok', "
                       "'2026-01-01T00:00:00.250000+00:00', '2025-12-01T00:00:00+00:00')"),
              SQLITE_OK);
  }
  sqlite_store store(dir.file("py.db"));
  ASSERT_TRUE(store.connect());
  auto got = store.get("p");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->capabilities, std::vector<std::string>{"nlp"});
  EXPECT_EQ((*got)->status, "ok");
  EXPECT_EQ((*got)->last_heartbeat, parse_iso8601("2026-01-01T00:00:00.25Z"));
  raw_db raw(dir.file("py.db"));
  EXPECT_EQ(raw.text("PRAGMA user_version"), "1");
}

TEST(sqlite_store, refuses_a_schema_newer_than_this_build) {
  temp_dir dir;
  {
    raw_db raw(dir.file("new.db"));
    raw.exec(python_ddl);
    raw.exec("PRAGMA user_version = 7");
  }
  sqlite_store store(dir.file("new.db"));
  auto r = store.connect();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::schema_too_new);
  EXPECT_THAT(r.error().message, HasSubstr("schema version 7"));
}

TEST(sqlite_store, a_corrupt_file_gives_a_clear_error) {
  temp_dir dir;
  {
    std::ofstream f(dir.file("junk.db"));
    for (int i = 0; i < 512; ++i) f << "this is not a database ";
  }
  sqlite_store store(dir.file("junk.db"));
  auto r = store.connect();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::corrupt);
  EXPECT_THAT(r.error().message, HasSubstr(dir.file("junk.db")));
  EXPECT_THAT(r.error().message, HasSubstr("not a SQLite database"));
}

TEST(sqlite_store, a_read_only_file_gives_a_clear_error_and_opens_read_only_on_request) {
  temp_dir dir;
  const auto path = dir.file("ro.db");
  {
    sqlite_store writer(path);
    ASSERT_TRUE(writer.connect());
    neuron_record r;
    r.neuron_id = "a";
    ASSERT_TRUE(writer.upsert(r));
  }  // closing the last connection checkpoints the WAL into the file
  ::chmod(dir.path().c_str(), 0755);
  ::chmod(path.c_str(), 0444);
  // Root ignores file modes, so check as an unprivileged user in a child process.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    sqlite_store store(path);
    auto r = store.connect();
    if (r || r.error().code != errc::read_only ||
        r.error().message.find("read-only") == std::string::npos)
      ::_exit(1);
    sqlite_options o;
    o.path = path;
    o.read_only = true;
    sqlite_store reader(o);
    if (!reader.connect()) ::_exit(4);
    auto got = reader.get("a");
    if (!got || !*got) ::_exit(5);
    neuron_record w;
    w.neuron_id = "b";
    auto write = reader.upsert(w);
    ::_exit(!write && write.error().code == errc::read_only ? 0 : 6);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no read_only error, 3: setuid, 4-6: read-only mode";
}

TEST(sqlite_store, read_only_mode_on_a_file_without_the_table_says_so) {
  temp_dir dir;
  {
    raw_db raw(dir.file("other.db"));
    raw.exec("CREATE TABLE t(x)");
  }
  sqlite_options o;
  o.path = dir.file("other.db");
  o.read_only = true;
  sqlite_store store(o);
  auto r = store.connect();
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("no 'neurons' table"));
}

TEST(sqlite_store, an_undecodable_row_is_reported_naming_the_neuron_and_column) {
  temp_dir dir;
  sqlite_store store(dir.file("r.db"));
  ASSERT_TRUE(store.connect());
  {
    raw_db raw(dir.file("r.db"));
    raw.exec(
        "INSERT INTO neurons VALUES ('bad', 'not json', NULL, 'registered', NULL, "
        "'2026-01-01T00:00:00+00:00')");
    raw.exec(
        "INSERT INTO neurons VALUES ('late', '[]', NULL, 'registered', 'yesterday', "
        "'2026-01-01T00:00:00+00:00')");
  }
  auto bad = store.get("bad");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::bad_record);
  EXPECT_THAT(bad.error().message, HasSubstr("neuron 'bad': capabilities"));
  auto late = store.get("late");
  ASSERT_FALSE(late);
  EXPECT_THAT(late.error().message, HasSubstr("neuron 'late': last_heartbeat"));
  list_options cap;
  cap.capability = "x";
  EXPECT_TRUE(store.list(cap));  // invalid JSON rows simply do not match a capability
}

TEST(sqlite_store, a_writer_waits_out_another_connections_lock_without_an_error) {
  temp_dir dir;
  sqlite_store store(dir.file("r.db"));
  ASSERT_TRUE(store.connect());
  raw_db holder(dir.file("r.db"));
  ASSERT_EQ(holder.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  ASSERT_EQ(holder.exec("INSERT INTO neurons VALUES ('h', '[]', NULL, 'registered', NULL, "
                        "'2026-01-01T00:00:00+00:00')"),
            SQLITE_OK);
  // The holder commits 1.5 s later: longer than SQLite's own 1 s busy timeout, so the
  // store's retry loop has to carry the call.
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    holder.exec("COMMIT");
  });
  neuron_record r;
  r.neuron_id = "w";
  auto written = store.upsert(r);
  release.join();
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(store.list()->size(), 2u);
  EXPECT_GT(store.stats().busy_retries, 0u);
}

TEST(sqlite_store, a_lock_held_past_the_budget_gives_busy_not_a_raw_sqlite_error) {
  temp_dir dir;
  sqlite_options o;
  o.path = dir.file("r.db");
  o.lock_budget = std::chrono::milliseconds(200);
  sqlite_store store(o);
  ASSERT_TRUE(store.connect());
  raw_db holder(dir.file("r.db"));
  ASSERT_EQ(holder.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  neuron_record r;
  r.neuron_id = "w";
  auto written = store.upsert(r);
  holder.exec("ROLLBACK");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, errc::busy);
  EXPECT_THAT(written.error().message, HasSubstr("retry budget"));
}

}  // namespace
}  // namespace neuromesh::registry::testing
