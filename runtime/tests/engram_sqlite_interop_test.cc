// An engram file shared with the Python SDK: python3 (standard sqlite3 module, the SDK's DDL,
// statements and row formats, tests/engram_python_interop.py) writes, neuromesh reads and
// writes on; and neuromesh writes, Python reads.
#include "neuromesh/runtime/engram_sqlite.h"
#include "neuromesh/testing/temp_dir.h"
#include "neuromesh/testing/testing.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdlib>

namespace neuromesh::runtime::testing {
namespace {

using neuromesh::testing::temp_dir;

namespace json = boost::json;

int run_python(const std::string& mode, const std::string& db) {
  const auto script = neuromesh::testing::source_path("runtime/tests/engram_python_interop.py");
  const std::string command = "python3 '" + script + "' " + mode + " '" + db + "'";
  return std::system(command.c_str());
}

std::unique_ptr<sqlite_engram> open(const std::string& path) {
  sqlite_engram_options o;
  o.path = path;
  o.identity = {"mem", "context", {}, std::nullopt};
  auto e = std::make_unique<sqlite_engram>(std::move(o));
  auto c = e->connect();
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return e;
}

std::vector<hit> recall(engram& e, recall_query q) {
  auto r = e.recall(q);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? r->hits : std::vector<hit>{};
}

TEST(engram_sqlite_interop, reads_and_extends_a_file_the_python_sdk_wrote) {
  temp_dir dir;
  const auto db = dir.file("python.db");
  ASSERT_EQ(run_python("write", db), 0) << "python3 with the sqlite3 module is required";
  auto e = open(db);

  auto all = recall(*e, {});
  ASSERT_EQ(all.size(), 2u);        // eng_PY3 is soft-deleted
  EXPECT_EQ(all[0].id, "eng_PY2");  // newest first
  EXPECT_EQ(all[0].entry.content, json::parse("[1, 2.5, null, true]"));
  const auto& py1 = all[1].entry;
  EXPECT_EQ(py1.content, json::parse(R"({"answer":"Bern","note":"café 😀"})"));
  EXPECT_EQ(py1.tags, (std::vector<std::string>{"geo", "über"}));
  EXPECT_EQ(py1.meta, json::parse(R"({"source":"python"})").as_object());
  EXPECT_EQ(py1.merge_key, "q:capital");
  EXPECT_EQ(registry::format_iso8601(py1.created_at), "2026-01-01T12:00:00.123456+00:00");

  // The text index was filled from the rows Python wrote before neuromesh first opened it.
  recall_query text;
  text.text = "café 😀";
  auto found = recall(*e, text);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, "eng_PY1");

  // Python's idempotency record holds: the replay returns its entry.
  imprint_request replay;
  replay.op = imprint_op::append;
  replay.imprint_id = "evt_PYSEEN";
  auto r = e->imprint(replay);
  ASSERT_TRUE(r && r->ok());
  EXPECT_EQ(r->id, "eng_PY1");

  imprint_request merge;
  merge.op = imprint_op::merge;
  merge.merge_key = "q:capital";
  merge.content = json::parse(R"({"confidence":0.9})");
  auto m = e->imprint(merge);
  ASSERT_TRUE(m && m->ok());
  EXPECT_EQ(m->id, "eng_PY1");
  EXPECT_EQ(m->version, 2);

  // A row Python adds while neuromesh has the file open is indexed by the triggers.
  ASSERT_EQ(run_python("append", db), 0);
  recall_query late;
  late.text = "from PYTHON";
  auto got = recall(*e, late);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, "eng_PY4");
}

TEST(engram_sqlite_interop, writes_a_file_the_python_sdk_reads_byte_for_byte) {
  temp_dir dir;
  const auto db = dir.file("neuromesh.db");
  {
    auto e = open(db);
    imprint_request a;
    a.op = imprint_op::add;
    a.id = "nm-1";
    a.merge_key = "k:1";
    a.content = json::parse(R"({"text":"Grüße","n":[1,2.5,0.00001,1e16],"ok":null})");
    a.tags = {"a", "é"};
    a.meta = json::parse(R"({"by":"neuromesh"})").as_object();
    a.imprint_id = "evt_NM1";
    ASSERT_TRUE(e->imprint(a)->ok());
    imprint_request u;
    u.op = imprint_op::upsert;
    u.merge_key = "k:1";
    u.content = a.content;
    u.tags = a.tags;
    u.meta = a.meta;
    ASSERT_EQ(e->imprint(u)->version, 2);
    imprint_request b;
    b.op = imprint_op::add;
    b.id = "nm-2";
    b.content = "plain";
    ASSERT_TRUE(e->imprint(b)->ok());
    imprint_request c = b;
    c.id = "nm-3";
    ASSERT_TRUE(e->imprint(c)->ok());
    imprint_request d;
    d.op = imprint_op::remove;
    d.id = "nm-3";
    ASSERT_TRUE(e->imprint(d)->ok());
  }
  EXPECT_EQ(run_python("check", db), 0) << "see the mismatches printed above";
}

}  // namespace
}  // namespace neuromesh::runtime::testing
