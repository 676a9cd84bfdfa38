#include "neuromesh/runtime/engram_sqlite.h"

#include "engram_conformance.h"
#include "neuromesh/runtime/engram_url.h"
#include "neuromesh/testing/temp_dir.h"

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <sqlite3.h>

namespace neuromesh::runtime::testing {
namespace {

using neuromesh::testing::temp_dir;

using ::testing::HasSubstr;

class sqlite_env final : public engram_env {
 public:
  std::unique_ptr<engram> make_engram(const engram_identity& identity) override {
    sqlite_engram_options o;
    o.path = dir_.file("engram.db");
    o.identity = identity;
    return std::make_unique<sqlite_engram>(std::move(o));
  }
  bool shared_data() const override { return true; }
  std::string path() const { return dir_.file("engram.db"); }

 private:
  temp_dir dir_;
};

INSTANTIATE_TEST_SUITE_P(sqlite, engram_conformance,
                         ::testing::Values(engram_backend{
                             "sqlite", [] { return std::make_unique<sqlite_env>(); }}),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(sqlite, engram_durable_conformance,
                         ::testing::Values(engram_backend{
                             "sqlite", [] { return std::make_unique<sqlite_env>(); }}),
                         backend_name);

// Runs one SQL query on the file with a plain connection and returns the last column of
// every row, joined by '\n'.
std::string query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  std::string out;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* acc, int n, char** values, char**) {
        auto& s = *static_cast<std::string*>(acc);
        if (!s.empty()) s += '\n';
        s += values[n - 1] != nullptr ? values[n - 1] : "NULL";
        return 0;
      },
      &out, nullptr);
  sqlite3_close(db);
  return out;
}

imprint_request append(std::string_view content) {
  imprint_request r;
  r.op = imprint_op::append;
  r.content = boost::json::parse(content);
  return r;
}

TEST(sqlite_engram, stores_rows_in_the_python_sdk_format) {
  sqlite_env env;
  auto e = env.make_engram({"mem", "context", {}, std::nullopt});
  ASSERT_TRUE(e->connect());
  auto r = append(R"({"b":[1,2.5,1e-05,1e16],"a":"café \"q\""})");
  r.tags = {"x", "ü"};
  r.merge_key = "k";
  ASSERT_TRUE(e->imprint(r));
  EXPECT_EQ(query(env.path(), "SELECT content FROM engram_entries"),
            R"({"b": [1, 2.5, 1e-05, 1e+16], "a": "caf\u00e9 \"q\""})");
  EXPECT_EQ(query(env.path(), "SELECT tags FROM engram_entries"), R"(["x", "\u00fc"])");
  EXPECT_EQ(query(env.path(), "SELECT meta FROM engram_entries"), "{}");
  EXPECT_EQ(query(env.path(), "SELECT engram_kind FROM engram_entries"), "context");
  EXPECT_THAT(query(env.path(), "SELECT updated_at FROM engram_entries"), HasSubstr("+00:00"));
}

TEST(sqlite_engram, text_recall_uses_the_trigram_index) {
  sqlite_env env;
  auto e = env.make_engram({"mem", "context", {}, std::nullopt});
  ASSERT_TRUE(e->connect());
  const auto plan = query(env.path(),
                          "EXPLAIN QUERY PLAN SELECT e.id FROM neuromesh_engram_fts f JOIN "
                          "engram_entries e ON e.rowid = f.rowid WHERE neuromesh_engram_fts "
                          "MATCH '\"abc\"'");
  EXPECT_THAT(plan, HasSubstr("VIRTUAL TABLE INDEX"));
  ASSERT_TRUE(e->imprint(append(R"("alpha beta")")));
  EXPECT_EQ(query(env.path(),
                  "SELECT count(*) FROM neuromesh_engram_fts WHERE "
                  "neuromesh_engram_fts MATCH '\"pha bet\"'"),
            "1");
}

TEST(sqlite_engram, a_soft_deleted_id_stays_taken) {
  sqlite_env env;
  auto e = env.make_engram({"mem", "context", {}, std::nullopt});
  ASSERT_TRUE(e->connect());
  imprint_request add;
  add.op = imprint_op::add;
  add.id = "x";
  ASSERT_TRUE(e->imprint(add)->ok());
  imprint_request del;
  del.op = imprint_op::remove;
  del.id = "x";
  ASSERT_EQ(e->imprint(del)->id, "x");
  EXPECT_NE(query(env.path(), "SELECT deleted_at FROM engram_entries WHERE id = 'x'"), "NULL");
  EXPECT_FALSE(e->imprint(add)->ok());  // as the reference: the row is still there
}

TEST(sqlite_engram, refuses_a_newer_schema_and_names_the_file) {
  sqlite_env env;
  {
    auto e = env.make_engram({"mem", "context", {}, std::nullopt});
    ASSERT_TRUE(e->connect());
  }
  EXPECT_EQ(query(env.path(), "SELECT version FROM neuromesh_schema WHERE component = 'engram'"),
            "1");
  query(env.path(), "UPDATE neuromesh_schema SET version = 99 WHERE component = 'engram'");
  auto e = env.make_engram({"mem", "context", {}, std::nullopt});
  auto c = e->connect();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, engram_errc::schema_too_new);
  EXPECT_THAT(c.error().message, HasSubstr(env.path()));
  EXPECT_THAT(c.error().message, HasSubstr("99"));
}

// A file written before the storage core kept its version only in neuromesh_engram_schema.
void make_pre_core_file(const std::string& path) {
  {
    sqlite_engram_options o;
    o.path = path;
    sqlite_engram e(o);
    ASSERT_TRUE(e.connect());
    imprint_request add;
    add.op = imprint_op::add;
    add.id = "old";
    add.content = boost::json::parse(R"("written before the core")");
    ASSERT_TRUE(e.imprint(add)->ok());
  }
  query(path, "DROP TABLE neuromesh_schema");
}

TEST(sqlite_engram, a_file_from_before_the_storage_core_opens_unchanged_and_is_stamped) {
  sqlite_env env;
  make_pre_core_file(env.path());
  auto e = env.make_engram({"engram-sqlite", "relational", {}, std::nullopt});
  ASSERT_TRUE(e->connect());
  recall_query q;
  q.text = "before the core";
  auto hits = e->recall(q);
  ASSERT_TRUE(hits);
  ASSERT_EQ(hits->hits.size(), 1u);
  EXPECT_EQ(hits->hits[0].id, "old");
  EXPECT_EQ(query(env.path(), "SELECT version FROM neuromesh_schema WHERE component = 'engram'"),
            "1");
}

TEST(sqlite_engram, a_pre_core_file_with_a_newer_legacy_version_is_refused) {
  sqlite_env env;
  make_pre_core_file(env.path());
  query(env.path(), "UPDATE neuromesh_engram_schema SET version = 7");
  auto e = env.make_engram({"mem", "context", {}, std::nullopt});
  auto c = e->connect();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, engram_errc::schema_too_new);
  EXPECT_THAT(c.error().message, HasSubstr("engram schema version 7"));
}

TEST(sqlite_engram, a_file_that_is_not_a_database_is_reported_as_corrupt) {
  temp_dir dir;
  const auto path = dir.file("junk.db");
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("this is not a database at all, just some text that is long enough", f);
    std::fclose(f);
  }
  sqlite_engram_options o;
  o.path = path;
  sqlite_engram e(o);
  auto c = e.connect();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, engram_errc::corrupt);
  EXPECT_THAT(c.error().message, HasSubstr("junk.db"));
}

TEST(sqlite_engram, rebuild_index_restores_text_recall_after_the_index_was_emptied) {
  sqlite_env env;
  auto e = env.make_engram({"mem", "context", {}, std::nullopt});
  ASSERT_TRUE(e->connect());
  ASSERT_TRUE(e->imprint(append(R"("findable words")")));
  query(env.path(), "INSERT INTO neuromesh_engram_fts(neuromesh_engram_fts) VALUES ('delete-all')");
  recall_query q;
  q.text = "findable";
  EXPECT_TRUE(e->recall(q)->hits.empty());
  ASSERT_TRUE(static_cast<sqlite_engram&>(*e).rebuild_index());
  EXPECT_EQ(e->recall(q)->hits.size(), 1u);
}

TEST(engram_url, opens_each_backend_and_rejects_bad_urls) {
  temp_dir dir;
  auto mem = open_engram("memory:");
  ASSERT_TRUE(mem);
  EXPECT_EQ((*mem)->backend(), "memory");
  auto file = open_engram("sqlite:" + dir.file("u.db"), engram_identity{"u", "context", {}, {}});
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ((*file)->backend(), "sqlite");
  EXPECT_EQ((*file)->engram_id(), "u");
  auto bad = open_engram("redis://x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, engram_errc::invalid_argument);
  EXPECT_THAT(bad.error().message, HasSubstr("unknown scheme"));
}

}  // namespace
}  // namespace neuromesh::runtime::testing
