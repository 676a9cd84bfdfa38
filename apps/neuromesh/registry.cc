// `neuromesh registry neurons`: lists the records of any registry store (memory:,
// sqlite:PATH, postgres://...) without a running node — an operator's view of a registry
// the Python SDK or neuromesh wrote. SQLite files are opened read-only.
#include "command.h"
#include "neuromesh/registry/store_url.h"
#include "registry_command.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace neuromesh::cli {

CLI::App& registry_command(CLI::App& root) {
  try {
    return *root.get_subcommand("registry");
  } catch (const CLI::OptionNotFound&) {
    auto* cmd = root.add_subcommand("registry", "Inspect (and serve) the neuron registry");
    cmd->require_subcommand(1);
    return *cmd;
  }
}

namespace {

namespace reg = neuromesh::registry;

struct neurons_args {
  std::string store;
  std::string capability;
  bool include_deregistered = false;
  bool json = false;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

void print_table(const std::vector<reg::neuron_record>& records) {
  const std::vector<std::string> header = {"NEURON_ID",      "STATUS",        "VERSION",
                                           "LAST_HEARTBEAT", "REGISTERED_AT", "CAPABILITIES"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : records) {
    rows.push_back({r.neuron_id, r.status, r.version.value_or("-"),
                    r.last_heartbeat ? reg::format_iso8601(*r.last_heartbeat) : "-",
                    reg::format_iso8601(r.registered_at), joined(r.capabilities)});
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += c + 1 == row.size() ? row[c] : fmt::format("{:<{}}  ", row[c], width[c]);
    }
    std::cout << line << '\n';
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

void run_neurons(const neurons_args& args) {
  reg::open_options options;
  options.read_only = true;  // inspecting: never create, migrate or write a SQLite file
  auto store = reg::open_store(args.store, options);
  if (!store) {
    std::cerr << "neuromesh registry neurons: " << store.error().message << '\n';
    set_exit_code(store.error().code == reg::errc::bad_url ? 2 : 1);
    return;
  }
  reg::list_options filter;
  if (!args.capability.empty()) filter.capability = args.capability;
  filter.include_deregistered = args.include_deregistered;
  auto records = (*store)->list(filter);
  (*store)->close();
  if (!records) {
    std::cerr << "neuromesh registry neurons: " << records.error().message << '\n';
    set_exit_code(1);
    return;
  }
  if (args.json) {
    boost::json::array out;
    for (const auto& r : *records) out.emplace_back(r.to_dict());
    std::cout << boost::json::serialize(out) << '\n';
  } else {
    print_table(*records);
  }
}

void add_registry(CLI::App& root) {
  auto& registry = registry_command(root);
  auto* neurons =
      registry.add_subcommand("neurons", "List the neuron records of a registry store (read-only)");
  auto args = std::make_shared<neurons_args>();
  neurons
      ->add_option("--store", args->store,
                   "Store URL: memory:, sqlite:PATH, postgres://... or postgresql://...")
      ->required();
  neurons->add_option("--capability", args->capability, "Only neurons that list this capability");
  neurons->add_flag("--include-deregistered", args->include_deregistered,
                    "Also list neurons whose status is deregistered");
  neurons->add_flag("--json", args->json,
                    "Print a JSON array of records (the Python SDK's to_dict form)");
  neurons->callback([args] { run_neurons(*args); });
}

const registrar reg_registry{"registry", 40, add_registry};

}  // namespace
}  // namespace neuromesh::cli
