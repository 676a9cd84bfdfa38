#pragma once
// The neuromesh binary (NEUROMESH_CLI) as a child process, stdout and stderr apart; shared
// by the runtime's CLI tests.

#include "neuromesh/testing/child_process.h"

#include <chrono>
#include <memory>
#include <regex>
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

/// Starts `neuromesh synapse start memory --port 0 -n dev` as broker; its cosmo:// URL, or
/// "" when it printed none.
inline std::string start_broker(std::unique_ptr<child>& broker) {
  broker = std::make_unique<child>(std::vector<std::string>{"synapse", "start", "memory", "--port",
                                                            "0", "-n", "dev", "--quiet"});
  for (int i = 0; i < 20; ++i) {
    auto l = broker->out_line();
    std::smatch m;
    if (std::regex_search(l, m, std::regex(R"(cosmo://127\.0\.0\.1:\d+)"))) return m.str();
    if (l == "<eof>" || l == "<timeout>") break;
  }
  return "";
}

}  // namespace neuromesh::runtime::test
