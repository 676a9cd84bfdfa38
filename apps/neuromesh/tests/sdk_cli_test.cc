// The agent-author conveniences of the command line, run as a process: `neuromesh init`
// scaffolds and refuses a populated folder, `neuromesh completion` covers every command and
// flag of the binary, and the root help is grouped. (The scaffold is built and run against
// the installed SDK by scripts/test-package.)
#include "cli_run.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

using neuromesh::cli::test::run;
using neuromesh::cli::test::slurp;

// A plain shell command line (for sourcing the completion script), stderr merged.
std::string shell(const std::string& command_line) {
  FILE* p = popen((command_line + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  return out;
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / ("neuromesh_sdk_" + name);
  fs::remove_all(dir);
  return dir;
}

TEST(init, scaffolds_a_find_package_project_with_the_namespace_substituted) {
  const fs::path dir = fresh_dir("my-agent");
  auto r = run("init " + dir.string() + " -n team1");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* file : {"CMakeLists.txt", "README.md", "main.cc", "neurons/echo.h",
                           "neurons/echo.cc", "neurons/echo_test.cc", "engram/notes.h",
                           "engram/notes.cc", "effector/greeter.h", "effector/greeter.cc"})
    EXPECT_TRUE(fs::exists(dir / file)) << file;
  const std::string cmake = slurp((dir / "CMakeLists.txt").string());
  EXPECT_NE(cmake.find("find_package(neuromesh REQUIRED)"), std::string::npos);
  EXPECT_NE(cmake.find("project(neuromesh_sdk_my-agent "), std::string::npos) << cmake;
  const std::string main_cc = slurp((dir / "main.cc").string());
  EXPECT_NE(main_cc.find(".ns = \"team1\""), std::string::npos);
  EXPECT_NE(main_cc.find("NEUROMESH_URL"), std::string::npos);
  EXPECT_EQ(main_cc.find('@'), std::string::npos) << "a placeholder was left";
}

TEST(init, refuses_a_populated_folder_unless_forced) {
  const fs::path dir = fresh_dir("populated");
  fs::create_directories(dir);
  std::ofstream(dir / "keep.txt") << "mine";
  auto refused = run("init " + dir.string());
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("is not empty"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir / "main.cc"));

  auto forced = run("init " + dir.string() + " --force");
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_TRUE(fs::exists(dir / "main.cc"));
  EXPECT_EQ(slurp((dir / "keep.txt").string()), "mine");
}

TEST(init, rejects_a_namespace_that_is_not_a_subject_token) {
  auto r = run("init " + fresh_dir("badns").string() + " -n 'a.b'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("namespace 'a.b'"), std::string::npos) << r.err;
}

TEST(completion, bash_offers_every_subcommand_and_their_flags) {
  auto r = run("completion bash");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("complete -o default -F _neuromesh neuromesh"), std::string::npos);
  // Taken from the binary's own definition: commands and nested flags appear.
  EXPECT_NE(r.out.find("'synapse start') words="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--port"), std::string::npos);
  EXPECT_NE(r.out.find("'init') words='--help -h --namespace -n --force'"), std::string::npos)
      << r.out;
}

TEST(completion, bash_script_completes_a_nested_command_in_a_real_shell) {
  auto script = fs::path(::testing::TempDir()) / "neuromesh_completion.bash";
  ASSERT_EQ(run("completion bash > " + script.string()).code, 0);
  // Simulate `neuromesh synapse st<TAB>` and `neuromesh init --fo<TAB>` in bash.
  auto out = shell("bash -c 'source " + script.string() +
                   "; COMP_WORDS=(neuromesh synapse st); COMP_CWORD=2; _neuromesh; echo "
                   "\"${COMPREPLY[*]}\"; COMP_WORDS=(neuromesh init x --fo); COMP_CWORD=3; "
                   "_neuromesh; echo \"${COMPREPLY[*]}\"'");
  EXPECT_EQ(out, "start stop\n--force\n");
}

TEST(completion, zsh_and_fish_scripts_are_generated_and_an_unknown_shell_is_refused) {
  auto zsh = run("completion zsh");
  EXPECT_EQ(zsh.code, 0);
  EXPECT_NE(zsh.out.find("bashcompinit"), std::string::npos);
  auto fish = run("completion fish");
  EXPECT_EQ(fish.code, 0);
  EXPECT_NE(fish.out.find("-n \"test (__neuromesh_path) = 'synapse'\" -a '"), std::string::npos)
      << fish.out;
  auto bad = run("completion tcsh");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("tcsh"), std::string::npos) << bad.err;
}

TEST(help, root_help_groups_commands_as_build_run_observe_shell) {
  auto r = run("--help");
  ASSERT_EQ(r.code, 0);
  const auto build = r.out.find("Build:");
  const auto run_group = r.out.find("Run:");
  const auto observe = r.out.find("Observe:");
  const auto shell = r.out.find("Shell:");
  ASSERT_NE(build, std::string::npos) << r.out;
  ASSERT_NE(run_group, std::string::npos) << r.out;
  ASSERT_NE(observe, std::string::npos) << r.out;
  ASSERT_NE(shell, std::string::npos) << r.out;
  EXPECT_GT(r.out.find("completion", shell), shell);
  EXPECT_GT(r.out.find("init", build), build);
}

}  // namespace
