#pragma once
// The neuromesh binary (NEUROMESH_CLI) as a child process, stdout and stderr apart; shared
// by the runtime's CLI tests.

#include "neuromesh/testing/child_process.h"

#include <chrono>
#include <string>
#include <vector>

namespace neuromesh::runtime::test {

using namespace std::chrono_literals;

inline std::string binary() { return NEUROMESH_CLI; }

/// `neuromesh <args...>`, with a pipe on its stdin when with_stdin is set.
class child : public neuromesh::testing::child_process {
 public:
  explicit child(std::vector<std::string> args, bool with_stdin = false)
      : child_process(with_binary(std::move(args)), {.pipe_stdin = with_stdin}) {}

 private:
  static std::vector<std::string> with_binary(std::vector<std::string> args) {
    args.insert(args.begin(), binary());
    return args;
  }
};

}  // namespace neuromesh::runtime::test
