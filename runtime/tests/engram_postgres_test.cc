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

}  // namespace
}  // namespace neuromesh::runtime::testing
