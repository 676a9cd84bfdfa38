// `neuromesh registry neurons` end to end: the built neuromesh binary on a file the Python
// SDK's format wrote (tests/python_sqlite_interop.py).
#include "neuromesh/registry/sqlite_store.h"
#include "neuromesh/testing/temp_dir.h"
#include "neuromesh/testing/testing.h"

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace neuromesh::registry::testing {
namespace {

using neuromesh::testing::temp_dir;

using ::testing::HasSubstr;

struct outcome {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

outcome run(const std::string& args) {
  const std::string command = std::string(NEUROMESH_CLI) + " " + args + " 2>&1";
  outcome o;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return o;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) o.out.append(buf, n);
  const int status = ::pclose(p);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::string python_file(const temp_dir& dir) {
  const auto db = dir.file("python.db");
  const auto script = neuromesh::testing::source_path("registry/tests/python_sqlite_interop.py");
  EXPECT_EQ(std::system(("python3 '" + script + "' write '" + db + "'").c_str()), 0);
  return db;
}

TEST(registry_cli, lists_a_python_sqlite_file_as_a_table) {
  temp_dir dir;
  const auto db = python_file(dir);
  const auto o = run("registry neurons --store sqlite:" + db);
  ASSERT_EQ(o.exit_code, 0) << o.out;
  EXPECT_THAT(o.out, HasSubstr("NEURON_ID"));
  EXPECT_THAT(o.out, HasSubstr("alpha"));
  EXPECT_THAT(o.out, HasSubstr("2026-01-01T12:00:00.123456+00:00"));
  EXPECT_THAT(o.out, ::testing::Not(HasSubstr("gamma")));  // deregistered
  EXPECT_FALSE(std::filesystem::exists(db + "-wal"));      // read-only: nothing written
}

TEST(registry_cli, json_output_is_the_to_dict_form_and_filters_apply) {
  temp_dir dir;
  const auto db = python_file(dir);
  const auto o =
      run("registry neurons --json --include-deregistered --capability nlp --store sqlite:" + db);
  ASSERT_EQ(o.exit_code, 0) << o.out;
  const auto parsed = boost::json::parse(o.out);
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.get_array().size(), 1u);
  const auto& alpha = parsed.get_array()[0].get_object();
  EXPECT_EQ(alpha.at("neuron_id"), "alpha");
  EXPECT_EQ(alpha.at("registered_at"), "2025-12-31T23:59:59+00:00");
  const auto all = run("registry neurons --json --include-deregistered --store sqlite:" + db);
  EXPECT_EQ(boost::json::parse(all.out).get_array().size(), 4u);
}

TEST(registry_cli, bad_url_and_missing_file_fail_with_the_cause) {
  const auto bad = run("registry neurons --store redis://x");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.out, HasSubstr("unknown scheme 'redis'"));
  const auto missing = run("registry neurons --store sqlite:/nonexistent-dir/r.db");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.out, HasSubstr("/nonexistent-dir/r.db"));
  const auto no_store = run("registry neurons");
  EXPECT_NE(no_store.exit_code, 0);
  EXPECT_THAT(no_store.out, HasSubstr("--store"));
}

}  // namespace
}  // namespace neuromesh::registry::testing
