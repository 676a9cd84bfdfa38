// neuromesh up: the node — cosmo:// broker (or a NATS connection), registry mirror, an Engram,
// HTTP catalog, web view and /metrics in one process (node layer). Configuration: flags >
// NEUROMESH_* environment > --config TOML file > defaults; --print-config shows the result.
#include "command.h"
#include "neuromesh/node/config.h"
#include "neuromesh/node/node.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

namespace {

using namespace neuromesh;

struct up_args {
  std::string config_file;
  bool print_config = false;
  bool json = false;
  std::map<std::string, std::string> values;  ///< key name -> raw flag value
};

void print_banner(const node::node_config& c, const node::node_endpoints& e) {
  std::string web = e.http_url + "/";
  std::string out = fmt::format("neuromesh up: namespace '{}'\n", c.ns);
  out += fmt::format("  web view  {}\n", web);
  out += fmt::format("  broker    {}{}\n", e.broker_url,
                     e.embedded_broker ? "  (agents connect here)" : "  (external Synapse)");
  out += fmt::format("  catalog   {}/instances  {}/tools  {}/neurons\n", e.http_url, e.http_url,
                     e.http_url);
  out += fmt::format("  metrics   {}/metrics\n", e.http_url);
  out += fmt::format("  store     {}\n", e.store_url);
  out += fmt::format("  engram    {} (kind {}, {})  RECALL / IMPRINT here\n", e.engram_id,
                     e.engram_kind, e.engram_url);
  out += "Ctrl-C stops the node.\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

void print_json(const node::node_config& c, const node::node_endpoints& e) {
  boost::json::object o{{"broker_url", e.broker_url},
                        {"http_url", e.http_url},
                        {"web_url", e.http_url + "/"},
                        {"metrics_url", e.http_url + "/metrics"},
                        {"namespace", c.ns},
                        {"store", e.store_url},
                        {"engram_id", e.engram_id},
                        {"engram_store", e.engram_url},
                        {"data_dir", c.data_dir.string()}};
  std::cout << boost::json::serialize(o) << std::endl;
}

void run_up(const up_args& a) {
  try {
    std::optional<std::filesystem::path> file;
    if (!a.config_file.empty()) {
      file = a.config_file;
    } else if (const char* f = std::getenv("NEUROMESH_CONFIG"); f && *f) {
      file = f;
    }
    node::config_sources sources;
    auto config = node::resolve_config(
        file, [](const char* name) { return std::getenv(name); }, a.values, &sources);
    if (a.print_config) {
      std::cout << node::print_config(config, sources);
      return;
    }
    node::node n(config);
    n.start(/*handle_signals=*/true);
    if (a.json) {
      print_json(config, n.endpoints());
    } else {
      print_banner(config, n.endpoints());
    }
    n.run();
  } catch (const std::exception& e) {
    std::cerr << "neuromesh up: " << e.what() << "\n";
    cli::set_exit_code(1);
  }
}

void add_up(CLI::App& root) {
  auto a = std::make_shared<up_args>();
  auto* cmd = root.add_subcommand(
      "up", "Run the node: broker, registry, catalog and live web view (http://127.0.0.1:8765/)");
  cmd->add_option("--config", a->config_file, "TOML file of settings (or NEUROMESH_CONFIG)");
  cmd->add_flag("--print-config", a->print_config,
                "Print the resolved configuration and where each value came from, then exit");
  cmd->add_flag("--json", a->json,
                "Print the endpoints as one JSON line (broker_url, http_url) instead of the "
                "banner");
  for (const auto& key : node::config_keys()) {
    auto flag = key.flag;
    if (key.name == "namespace") flag = "-n," + flag;
    auto name = key.name;
    cmd->add_option_function<std::string>(
        flag, [a, name](const std::string& v) { a->values[name] = v; },
        key.help + " [" + key.env + "]");
  }
  cmd->callback([a] { run_up(*a); });
}

const neuromesh::cli::registrar reg{"up", 1, add_up};

}  // namespace
