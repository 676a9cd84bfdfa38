// neuromesh validate [FILE.jsonl|-] [--strict] [--warnings] [--json]
//
// Structural validation of one Signal per line. A line is valid exactly when decode() accepts
// it; what the decoder tolerates but the envelope spec forbids (reference §1.6: a missing
// v/id/trace_id/ts, v other than "1", a timestamp not in UTC Z form, a non-canonical id, a
// TASK without payload.input) is a warning. Exit 1 if any line is invalid, or has a warning
// under --strict.
#include "command.h"
#include "neuromesh/protocol/codec.h"
#include "neuromesh/protocol/json_text.h"

#include <fstream>
#include <iostream>

namespace {

using namespace neuromesh;

struct validate_options {
  std::string file = "-";
  bool strict = false;
  bool warnings = false;
  bool json = false;
};

std::vector<std::string> warnings_for(const protocol::signal& s, const protocol::decode_notes& n) {
  std::vector<std::string> w;
  if (n.missing_v) w.emplace_back("v: missing (the spec requires it; decoders default to \"1\")");
  if (!n.missing_v && s.v != "1") w.push_back("v: \"" + s.v + "\" is not \"1\"");
  if (n.missing_id) w.emplace_back("id: missing (the spec requires it)");
  if (!n.missing_id && !s.id.is_canonical())
    w.push_back("id: '" + s.id.str() + "' is not a canonical evt_ ULID");
  if (n.missing_trace_id) w.emplace_back("trace_id: missing (the spec requires it)");
  if (!n.missing_trace_id && !s.trace_id.is_canonical())
    w.push_back("trace_id: '" + s.trace_id.str() + "' is not a canonical trc_ ULID");
  if (s.parent_id && !s.parent_id->is_canonical())
    w.push_back("parent_id: '" + s.parent_id->str() + "' is not a canonical evt_ ULID");
  if (n.missing_ts) w.emplace_back("ts: missing (the spec requires it)");
  if (n.ts_not_utc_z)
    w.push_back("ts: not an RFC 3339 UTC time ending in Z (decoded as " + s.ts.to_string() + ")");
  if (s.type == protocol::signal_type::task && !s.payload.find("input"))
    w.emplace_back("payload.input: a TASK should carry an input");
  return w;
}

void print_json_line(std::size_t line, const protocol::signal* s, const protocol::decode_error* e,
                     const std::vector<std::string>& warnings) {
  std::string out = "{\"line\":" + std::to_string(line) + ",\"valid\":" + (s ? "true" : "false");
  if (s) {
    out += ",\"type\":\"" + std::string(to_string(s->type)) + "\",\"id\":";
    protocol::append_json_string(out, s->id.str());
  }
  out += ",\"errors\":[";
  if (e) {
    out += "{\"field\":";
    protocol::append_json_string(out, e->field);
    out += ",\"message\":";
    protocol::append_json_string(out, e->message);
    out += "}";
  }
  out += "],\"warnings\":[";
  for (std::size_t i = 0; i < warnings.size(); ++i) {
    if (i) out += ",";
    protocol::append_json_string(out, warnings[i]);
  }
  out += "]}\n";
  std::cout << out;
}

void run_validate(const validate_options& o) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (o.file != "-") {
    file.open(o.file, std::ios::binary);
    if (!file) {
      std::cerr << "neuromesh validate: cannot open " << o.file << "\n";
      cli::set_exit_code(2);
      return;
    }
    in = &file;
  }
  std::string line;
  std::size_t n = 0, valid = 0, invalid = 0, warned = 0, blank = 0;
  while (std::getline(*in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      ++blank;
      continue;
    }
    protocol::decode_notes notes;
    auto s = protocol::decode(line, notes);
    std::vector<std::string> warnings;
    if (s) warnings = warnings_for(*s, notes);
    bool failed = !s || (o.strict && !warnings.empty());
    s ? ++valid : ++invalid;
    if (!warnings.empty()) ++warned;
    if (failed) cli::set_exit_code(1);
    if (o.json) {
      if (s)
        print_json_line(n, &*s, nullptr, warnings);
      else {
        auto err = s.error();
        print_json_line(n, nullptr, &err, warnings);
      }
      continue;
    }
    if (!s) {
      std::cout << "line " << n << ": error: " << s.error().what() << "\n";
      continue;
    }
    std::cout << "line " << n << ": " << (failed ? "error" : "ok") << " " << to_string(s->type)
              << " " << s->id.str() << "\n";
    if (o.warnings || o.strict)
      for (const auto& w : warnings) std::cout << "line " << n << ": warning: " << w << "\n";
  }
  if (!o.json) {
    std::cout << n << " lines: " << valid << " valid, " << invalid << " invalid, " << warned
              << " with warnings";
    if (blank) std::cout << ", " << blank << " blank";
    std::cout << "\n";
  }
}

void add_validate(CLI::App& root) {
  auto opts = std::make_shared<validate_options>();
  auto* cmd = root.add_subcommand("validate", "Validate Signals, one JSON envelope per line");
  cmd->add_option("file", opts->file, "JSONL file, or - for stdin")->capture_default_str();
  cmd->add_flag("--strict", opts->strict, "Treat warnings as errors");
  cmd->add_flag("--warnings", opts->warnings,
                "Print warnings (spec violations the decoder tolerates)");
  cmd->add_flag("--json", opts->json, "One JSON result object per line");
  cmd->callback([opts] { run_validate(*opts); });
}

const cli::registrar reg{"validate", 20, add_validate};

}  // namespace
