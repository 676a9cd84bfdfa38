// A registry file shared with the Python SDK: python3 (standard sqlite3 module, the SDK's
// DDL and row formats, tests/python_sqlite_interop.py) writes, neuromesh reads; and back.
#include "neuromesh/registry/sqlite_store.h"
#include "neuromesh/testing/temp_dir.h"
#include "neuromesh/testing/testing.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace neuromesh::registry::testing {
namespace {

using neuromesh::testing::temp_dir;

int run_python(const std::string& mode, const std::string& db) {
  const auto script = neuromesh::testing::source_path("registry/tests/python_sqlite_interop.py");
  const std::string command = "python3 '" + script + "' " + mode + " '" + db + "'";
  return std::system(command.c_str());
}

neuron_record make(std::string id, std::vector<std::string> caps,
                   std::optional<std::string> version, std::string status,
                   std::optional<time_point> hb, time_point reg) {
  neuron_record r;
  r.neuron_id = std::move(id);
  r.capabilities = std::move(caps);
  r.version = std::move(version);
  r.status = std::move(status);
  r.last_heartbeat = hb;
  r.registered_at = reg;
  return r;
}

// The records of python_sqlite_interop.py's RECORDS, in C++.
std::vector<neuron_record> expected_records() {
  return {make("alpha", {"nlp", "vision"}, "1.0", "registered",
               parse_iso8601("2026-01-01T12:00:00.123456+00:00"),
               *parse_iso8601("2025-12-31T23:59:59+00:00")),
          make("beta", {"caf\xc3\xa9", "\xf0\x9f\x98\x80", "quote\"back\\"}, std::nullopt, "ok",
               std::nullopt, *parse_iso8601("2026-02-03T04:05:06.000007+00:00")),
          make("gamma", {}, "2", "deregistered", parse_iso8601("2026-01-01T00:00:00+00:00"),
               *parse_iso8601("2026-01-01T00:00:00+00:00"))};
}

TEST(sqlite_interop, reads_a_file_the_python_sdk_wrote_unchanged) {
  temp_dir dir;
  const auto db = dir.file("python.db");
  ASSERT_EQ(run_python("write", db), 0) << "python3 with the sqlite3 module is required";
  sqlite_store store(db);
  auto c = store.connect();
  ASSERT_TRUE(c) << c.error().message;
  for (const auto& want : expected_records()) {
    auto got = store.get(want.neuron_id);
    ASSERT_TRUE(got && *got) << want.neuron_id;
    EXPECT_EQ(**got, want);
  }
  auto naive = store.get("delta");
  ASSERT_TRUE(naive && *naive);
  EXPECT_EQ((*naive)->last_heartbeat, parse_iso8601("2026-01-01T00:00:00+00:00"));
  list_options emoji;
  emoji.capability = "\xf0\x9f\x98\x80";  // stored as "\ud83d\ude00" by json.dumps
  ASSERT_EQ(store.list(emoji)->size(), 1u);
  EXPECT_EQ(store.list()->size(), 3u);  // gamma is deregistered
}

TEST(sqlite_interop, writes_a_file_the_python_sdk_reads_byte_for_byte) {
  temp_dir dir;
  const auto db = dir.file("neuromesh.db");
  {
    sqlite_store store(db);
    ASSERT_TRUE(store.connect());
    for (const auto& r : expected_records()) ASSERT_TRUE(store.upsert(r));
  }
  EXPECT_EQ(run_python("check", db), 0) << "see the mismatches printed above";
}

}  // namespace
}  // namespace neuromesh::registry::testing
