#include "neuromesh/runtime/engram_postgres.h"

#include "engram_conformance.h"
#include "neuromesh/testing/postgres.h"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <pqxx/pqxx>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

namespace neuromesh::runtime::testing {
namespace {

using ::testing::HasSubstr;

// Each test gets its own schema, dropped afterwards.
class postgres_env final : public engram_env {
 public:
  std::unique_ptr<engram> make_engram(const engram_identity& identity) override {
    postgres_engram_options o;
    o.dsn = schema_.dsn();
    o.schema = schema_.name();
    o.identity = identity;
    return std::make_unique<postgres_engram>(std::move(o));
  }
  bool shared_data() const override { return true; }

  // A plain connection on the same schema, as another program would use it.
  std::unique_ptr<pqxx::connection> raw() { return schema_.connect(); }

 private:
  neuromesh::testing::pg_schema schema_{"nm_engram"};
};

INSTANTIATE_TEST_SUITE_P(postgres, engram_conformance,
                         ::testing::Values(engram_backend{
                             "postgres", [] { return std::make_unique<postgres_env>(); }}),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(postgres, engram_durable_conformance,
                         ::testing::Values(engram_backend{
                             "postgres", [] { return std::make_unique<postgres_env>(); }}),
                         backend_name);

imprint_request upsert(std::string key, std::string_view content) {
  imprint_request r;
  r.op = imprint_op::upsert;
  r.merge_key = std::move(key);
  r.content = boost::json::parse(content);
  return r;
}

TEST(postgres_engram, text_recall_is_served_by_the_trigram_index) {
  postgres_env env;
  auto e = env.make_engram({"mem", "context", {}, std::nullopt});
  ASSERT_TRUE(e->connect());
  EXPECT_TRUE(static_cast<postgres_engram&>(*e).has_text_index());
  auto c = env.raw();
  pqxx::nontransaction tx(*c);
  tx.exec("SET enable_seqscan = off");
  auto plan = tx.exec(
      "EXPLAIN SELECT id FROM cosmonapse_engram_entries WHERE translate(content::text, "
      "'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') LIKE '%needle%'");
  std::string text;
  for (const auto& row : plan) text += std::string(row[0].c_str()) + "\n";
  EXPECT_THAT(text, HasSubstr("neuromesh_engram_content_trgm_idx"));
}

TEST(postgres_engram, rows_written_with_plain_sql_as_the_python_sdk_does_are_recalled) {
  postgres_env env;
  auto e = env.make_engram({"mem", "context", {}, std::nullopt});
  ASSERT_TRUE(e->connect());
  {
    auto c = env.raw();
    pqxx::nontransaction tx(*c);
    // The Python engram's insert: json.dumps text cast to JSONB, a Python list as TEXT[].
    tx.exec(
        "INSERT INTO cosmonapse_engram_entries (id, engram_kind, merge_key, content, tags, "
        "meta) VALUES ('eng_PY', 'relational', 'q:1', '{\"answer\": \"caf\\u00e9\"}'::jsonb, "
        "ARRAY['py', 'x'], '{}'::jsonb)");
  }
  recall_query q;
  q.text = "café";
  q.tags = {"py"};
  auto hits = e->recall(q);
  ASSERT_TRUE(hits) << hits.error().message;
  ASSERT_EQ(hits->hits.size(), 1u);
  EXPECT_EQ(hits->hits[0].entry.content, boost::json::parse(R"({"answer":"café"})"));
  EXPECT_EQ(hits->hits[0].entry.merge_key, "q:1");
  auto merged = e->imprint([] {
    imprint_request r;
    r.op = imprint_op::merge;
    r.merge_key = "q:1";
    r.content = boost::json::parse(R"({"more":1})");
    return r;
  }());
  ASSERT_TRUE(merged && merged->ok());
  EXPECT_EQ(merged->version, 2);
}

TEST(postgres_engram, concurrent_upserts_of_one_merge_key_from_many_writers_make_one_row) {
  postgres_env env;
  std::vector<std::unique_ptr<engram>> writers;
  for (int i = 0; i < 4; ++i) {
    writers.push_back(env.make_engram({"mem", "context", {}, std::nullopt}));
    ASSERT_TRUE(writers.back()->connect());
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 10; ++k)
        if (auto r = writers[static_cast<std::size_t>(i)]->imprint(upsert("shared", "1"));
            !r || !r->ok())
          ++failures;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  recall_query q;
  q.merge_key = "shared";
  auto hits = writers[0]->recall(q);
  ASSERT_TRUE(hits);
  ASSERT_EQ(hits->hits.size(), 1u);
  EXPECT_EQ(hits->hits[0].entry.version, 40);
}

TEST(postgres_engram, an_unreachable_server_is_reported_without_the_password) {
  postgres_engram_options o;
  o.dsn = "postgresql://user:secret@127.0.0.1:1/x?connect_timeout=1";
  postgres_engram e(o);
  auto c = e.connect();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, engram_errc::unavailable);
  EXPECT_THAT(c.error().message, ::testing::Not(HasSubstr("secret")));
}

// A database as the build before the storage core left it: the SDK's tables and the
// journal, rows in them, no neuromesh_schema row.
TEST(postgres_engram, a_database_written_before_the_storage_core_opens_unchanged_and_is_stamped) {
  postgres_env env;
  auto c = env.raw();
  {
    pqxx::work tx(*c);
    tx.exec(
        "CREATE TABLE cosmonapse_engram_entries (id TEXT PRIMARY KEY, engram_kind TEXT NOT "
        "NULL, merge_key TEXT, content JSONB NOT NULL, tags TEXT[] NOT NULL DEFAULT '{}', meta "
        "JSONB NOT NULL DEFAULT '{}'::jsonb, version INTEGER NOT NULL DEFAULT 1, created_at "
        "TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
        "deleted_at TIMESTAMPTZ);"
        "CREATE TABLE cosmonapse_engram_imprint_seen (imprint_id TEXT PRIMARY KEY, entry_id "
        "TEXT NOT NULL, seen_at TIMESTAMPTZ NOT NULL DEFAULT now());"
        "CREATE TABLE neuromesh_engram_journal (seq BIGSERIAL PRIMARY KEY, engram_id TEXT NOT "
        "NULL, trace_id TEXT NOT NULL, entry_id TEXT NOT NULL, before TEXT, created_at "
        "TIMESTAMPTZ NOT NULL DEFAULT now());"
        "INSERT INTO cosmonapse_engram_entries (id, engram_kind, content, tags) VALUES "
        "('old', 'relational', '\"kept from before\"'::jsonb, ARRAY['legacy']);"
        "INSERT INTO cosmonapse_engram_imprint_seen (imprint_id, entry_id) VALUES ('imp', "
        "'old')");
    tx.commit();
  }
  auto e = env.make_engram({"mem", "context", {}, std::nullopt});
  ASSERT_TRUE(e->connect());
  recall_query q;
  q.tags = {"legacy"};
  auto hits = e->recall(q);
  ASSERT_TRUE(hits) << hits.error().message;
  ASSERT_EQ(hits->hits.size(), 1u);
  EXPECT_EQ(hits->hits[0].entry.content, boost::json::parse(R"("kept from before")"));
  imprint_request again;  // the idempotency record written before still answers
  again.op = imprint_op::add;
  again.imprint_id = "imp";
  again.content = boost::json::parse("1");
  auto replay = e->imprint(again);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->id, "old");
  pqxx::nontransaction tx(*c);
  EXPECT_EQ(
      tx.exec1("SELECT version FROM neuromesh_schema WHERE component = 'engram'")[0].as<int>(), 1);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM cosmonapse_engram_entries")[0].as<int>(), 1);
}

TEST(postgres_engram, a_newer_schema_version_is_refused_with_schema_too_new) {
  postgres_env env;
  {
    auto e = env.make_engram({"mem", "context", {}, std::nullopt});
    ASSERT_TRUE(e->connect());
  }
  {
    auto c = env.raw();
    pqxx::nontransaction tx(*c);
    tx.exec("UPDATE neuromesh_schema SET version = 4 WHERE component = 'engram'");
  }
  auto e = env.make_engram({"mem", "context", {}, std::nullopt});
  auto c = e->connect();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, engram_errc::schema_too_new);
  EXPECT_THAT(c.error().message, HasSubstr("engram schema version 4"));
}

}  // namespace
}  // namespace neuromesh::runtime::testing
