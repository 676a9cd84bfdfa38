// neuromesh signal normalize [FILE|-]   re-encode each valid line in canonical wire form
// neuromesh signal new TYPE ...         build one envelope (see signal_new below)
#include "command.h"
#include "neuromesh/protocol/builders.h"
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

struct new_options {
  std::string type;
  std::string payload = "{}";
  std::string meta = "{}";
  std::string directed_id, directed_type;
  std::vector<std::string> capabilities;
  std::string trace, parent;
};

// Builds one envelope with make_signal (fresh id, ts now, the builder rules of §1.6) and
// prints its wire form; every bad argument is named.
void run_new(const new_options& o) {
  auto fail = [](const std::string& msg) {
    std::cerr << "neuromesh signal new: " << msg << "\n";
    cli::set_exit_code(1);
  };
  auto type = protocol::signal_type_from_string(o.type);
  if (!type)
    return fail("TYPE: unknown signal type '" + o.type + "' (see neuromesh schema --types)");
  std::string why;
  auto payload = protocol::raw_object::parse(o.payload, &why);
  if (!payload) return fail("--payload: " + why);
  auto meta = protocol::raw_object::parse(o.meta, &why);
  if (!meta) return fail("--meta: " + why);
  if (!o.trace.empty() && !protocol::trace_id::has_prefix(o.trace))
    return fail("--trace-id: must start with 'trc_', got '" + o.trace + "'");
  if (!o.parent.empty() && !protocol::event_id::has_prefix(o.parent))
    return fail("--parent-id: must start with 'evt_', got '" + o.parent + "'");
  protocol::envelope_options e{.meta = std::move(*meta)};
  if (!o.directed_id.empty() || !o.directed_type.empty() || !o.capabilities.empty()) {
    protocol::directed d;
    if (!o.directed_id.empty()) d.id = o.directed_id;
    if (!o.directed_type.empty()) d.type = o.directed_type;
    d.capabilities = o.capabilities;
    e.directed = std::move(d);
  }
  if (!o.trace.empty()) e.trace = protocol::trace_id{o.trace};
  if (!o.parent.empty()) e.parent = protocol::event_id{o.parent};
  try {
    std::cout << protocol::encode(protocol::make_signal(*type, std::move(*payload), std::move(e)))
              << "\n";
  } catch (const std::invalid_argument& ex) {
    fail(ex.what());
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

  auto n = std::make_shared<new_options>();
  auto* make =
      cmd->add_subcommand("new", "Build one envelope (fresh id and timestamp) and print it");
  make->add_option("type", n->type, "Signal type, e.g. TASK")->required();
  make->add_option("--payload", n->payload, "Payload JSON object")->capture_default_str();
  make->add_option("--meta", n->meta, "Meta JSON object")->capture_default_str();
  make->add_option("--directed-id", n->directed_id, "directed.id (neuron / engram / effector id)");
  make->add_option("--directed-type", n->directed_type, "directed.type (kind-based routing)");
  make->add_option("--capability", n->capabilities, "directed.capabilities entry (repeatable)");
  make->add_option("--trace-id", n->trace, "Trace id (default: a new trc_ ULID)");
  make->add_option("--parent-id", n->parent, "Parent event id (evt_...)");
  make->callback([n] { run_new(*n); });
}

const cli::registrar reg{"signal", 30, add_signal};

}  // namespace
