#pragma once
// Runs the neuromesh binary (NEUROMESH_CLI_PATH) with shell-quoted arguments and stdin text,
// capturing stdout, stderr and the exit code.

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace neuromesh::cli::test {

struct run_result {
  int code;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline run_result run(const std::string& args, const std::string& stdin_text = "") {
  const std::string base = ::testing::TempDir() + "neuromesh_cli_run_" + std::to_string(::getpid());
  std::ofstream(base + ".in", std::ios::binary) << stdin_text;
  std::string cmd =
      std::string(NEUROMESH_CLI_PATH) + " " + args + " <" + base + ".in 2>" + base + ".err";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, slurp(base + ".err")};
}

}  // namespace neuromesh::cli::test
