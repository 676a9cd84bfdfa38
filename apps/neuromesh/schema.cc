// neuromesh schema [--types] [-o PATH]: the envelope's JSON Schema (what `cosmo schema`
// prints), or the list of type strings.
#include "neuromesh/protocol/schema.h"

#include "command.h"
#include "neuromesh/protocol/signal_type.h"

#include <fstream>
#include <iostream>

namespace {

using namespace neuromesh;

struct schema_options {
  bool types = false;
  std::string output;
};

void run_schema(const schema_options& o) {
  std::string text;
  if (o.types) {
    for (int i = 0; i < protocol::signal_type_count; ++i)
      text.append(protocol::to_string(static_cast<protocol::signal_type>(i))).push_back('\n');
  } else {
    text = protocol::signal_json_schema_text();
  }
  if (o.output.empty()) {
    std::cout << text;
    return;
  }
  std::ofstream out(o.output, std::ios::binary);
  out << text;
  if (!out) {
    std::cerr << "neuromesh schema: cannot write " << o.output << "\n";
    cli::set_exit_code(1);
  }
}

void add_schema(CLI::App& root) {
  auto opts = std::make_shared<schema_options>();
  auto* cmd = root.add_subcommand("schema", "Print the JSON Schema of the Signal envelope");
  cmd->add_flag("--types", opts->types, "Print the Signal type strings instead, one per line");
  cmd->add_option("-o,--output", opts->output, "Write to PATH instead of stdout");
  cmd->callback([opts] { run_schema(*opts); });
}

const cli::registrar reg{"schema", 25, add_schema};

}  // namespace
