// neuromesh signal normalize [FILE|-]   re-encode each valid line in canonical wire form
// neuromesh signal new TYPE ...         build one envelope (see signal_new below)
#include "command.h"
#include "neuromesh/protocol/codec.h"

#include <fstream>
#include <iostream>

namespace {

using namespace neuromesh;

struct normalize_options {
  std::string file = "-";
};

void run_normalize(const normalize_options& o) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (o.file != "-") {
    file.open(o.file, std::ios::binary);
    if (!file) {
      std::cerr << "neuromesh signal normalize: cannot open " << o.file << "\n";
      cli::set_exit_code(2);
      return;
    }
    in = &file;
  }
  std::string line, out;
  std::size_t n = 0;
  while (std::getline(*in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto s = protocol::decode(line);
    if (!s) {
      std::cerr << "line " << n << ": " << s.error().what() << "\n";
      cli::set_exit_code(1);
      continue;
    }
    out.clear();
    protocol::encode_to(*s, out);
    out.push_back('\n');
    std::cout << out;
  }
}

void add_signal(CLI::App& root) {
  auto* cmd = root.add_subcommand("signal", "Build and normalise Signal envelopes");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<normalize_options>();
  auto* norm = cmd->add_subcommand(
      "normalize", "Re-encode each valid JSONL line in canonical wire form (errors on stderr)");
  norm->add_option("file", opts->file, "JSONL file, or - for stdin")->capture_default_str();
  norm->callback([opts] { run_normalize(*opts); });
}

const cli::registrar reg{"signal", 30, add_signal};

}  // namespace
