// neuromesh catalog serve (and its documented older name, neuromesh registry serve): the
// runspec-registry compatible HTTP catalog (catalog layer). One implementation, the same
// flags under both names. The top-level `registry` and `catalog` commands belong to
// registry.cc and catalog.cc; this file only adds `serve` to each (any file may register
// first).
#include "catalog_command.h"
#include "command.h"
#include "neuromesh/catalog/instance_store.h"
#include "neuromesh/catalog/neurons.h"
#include "neuromesh/catalog/server.h"
#include "neuromesh/catalog/service.h"
#include "neuromesh/catalog/store_url.h"
#include "neuromesh/registry/store_url.h"
#include "registry_command.h"

#include <boost/asio/ip/address.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

using namespace neuromesh;

struct serve_options {
  std::string command;  ///< "catalog serve" or "registry serve", for messages
  std::string host = "127.0.0.1";
  std::uint16_t port = 8765;
  std::string api_key;
  std::string api_key_file;
  std::string ssl_keyfile;
  std::string ssl_certfile;
  std::string ssl_client_ca;
  double purge_interval = 60;
  std::string store;
  std::string retention = "7d";
  std::size_t max_body = 1024 * 1024;
  std::string idle_timeout = "60s";
  unsigned threads = 0;
  double rate_limit_scale = 1;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Where the key comes from: --api-key, --api-key-file, or NEUROMESH_REGISTRY_API_KEY.
std::optional<std::string> resolve_key(const serve_options& o) {
  if (!o.api_key.empty()) {
    spdlog::warn(
        "--api-key puts the key on the command line where ps shows it; prefer "
        "--api-key-file or NEUROMESH_REGISTRY_API_KEY");
    return o.api_key;
  }
  if (!o.api_key_file.empty()) {
    std::ifstream in(o.api_key_file);
    if (!in) throw std::runtime_error("cannot read --api-key-file " + o.api_key_file);
    std::stringstream ss;
    ss << in.rdbuf();
    auto key = trim(ss.str());
    if (key.empty()) throw std::runtime_error("--api-key-file " + o.api_key_file + " is empty");
    return key;
  }
  if (const char* env = std::getenv("NEUROMESH_REGISTRY_API_KEY"); env && *env) return trim(env);
  return std::nullopt;
}

// "90", "90s", "500ms", "15m", "12h", "7d" -> milliseconds.
std::chrono::milliseconds parse_duration(const std::string& text, const char* flag) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  auto unit = text.substr(used);
  double ms_per = 0;
  if (unit.empty() || unit == "s")
    ms_per = 1000;
  else if (unit == "ms")
    ms_per = 1;
  else if (unit == "m")
    ms_per = 60'000;
  else if (unit == "h")
    ms_per = 3'600'000;
  else if (unit == "d")
    ms_per = 86'400'000;
  if (used == 0 || ms_per == 0 || value < 0) {
    throw std::runtime_error(std::string(flag) + " '" + text +
                             "': expected a duration such as 90s, 15m, 12h or 7d");
  }
  return std::chrono::milliseconds(static_cast<long long>(value * ms_per));
}

bool is_loopback(const std::string& host) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(host, ec);
  return !ec && a.is_loopback();
}

void run_serve(const serve_options& o) {
  try {
    auto key = resolve_key(o);
    if (!is_loopback(o.host) && !key) {
      spdlog::warn("!!! ---------------------------------------------------------------- !!!");
      spdlog::warn("!!! {} binds {} WITHOUT an API key: anyone who can reach  !!!", o.command,
                   o.host);
      spdlog::warn("!!! it can register, overwrite or deregister instances. Set          !!!");
      spdlog::warn("!!! --api-key-file or NEUROMESH_REGISTRY_API_KEY.                    !!!");
      spdlog::warn("!!! ---------------------------------------------------------------- !!!");
    }
    if (o.ssl_certfile.empty() != o.ssl_keyfile.empty()) {
      throw std::runtime_error("--ssl-certfile and --ssl-keyfile must be given together");
    }
    if (o.purge_interval <= 0) throw std::runtime_error("--purge-interval must be > 0 seconds");
    auto url_text = o.store.empty() ? catalog::default_store_url() : o.store;
    auto url = catalog::parse_store_url(url_text);
    if (!url) {
      throw std::runtime_error("--store '" + url_text +
                               "': expected memory:, sqlite:PATH, postgres://... or "
                               "postgresql://...");
    }
    auto store = catalog::open_instance_store(*url);
    if (!store) throw std::runtime_error("cannot open --store " + url_text);

    catalog::service_options so;
    so.api_key = key;
    so.retention = parse_duration(o.retention, "--retention");
    so.limits = catalog::rate_limits{}.scaled(o.rate_limit_scale);
    catalog::catalog_service service(std::move(*store), so);

    // GET /neurons: the registry layer's NeuronRecords in the same store.
    auto neurons = registry::open_store(url_text);
    if (neurons) {
      service.set_neuron_lister(catalog::make_neuron_lister(
          std::shared_ptr<registry::registry_store>(std::move(*neurons))));
    } else {
      spdlog::warn("GET /neurons unavailable: {}", neurons.error().message);
    }

    catalog::server_options srv;
    srv.host = o.host;
    srv.port = o.port;
    srv.max_body = o.max_body;
    srv.idle_timeout = parse_duration(o.idle_timeout, "--idle-timeout");
    srv.purge_interval = std::chrono::milliseconds(static_cast<long long>(o.purge_interval * 1000));
    srv.threads = o.threads;
    srv.handle_signals = true;
    if (!o.ssl_certfile.empty()) {
      srv.tls_cert_file = o.ssl_certfile;
      srv.tls_key_file = o.ssl_keyfile;
    }
    if (!o.ssl_client_ca.empty()) srv.tls_client_ca_file = o.ssl_client_ca;
    catalog::server server(service, srv);
    spdlog::info("{}: {}://{}:{} store={} writes={} purge every {}s", o.command,
                 server.tls() ? "https" : "http", o.host, server.port(), url_text,
                 key ? "API key" : "open", o.purge_interval);
    // Scripts and tests read the bound port from this line (useful with --port 0).
    std::cout << "listening " << (server.tls() ? "https" : "http") << "://" << o.host << ":"
              << server.port() << std::endl;
    server.run();
    spdlog::info("{}: stopped", o.command);
  } catch (const std::exception& e) {
    std::cerr << "neuromesh " << o.command << ": " << e.what() << "\n";
    cli::set_exit_code(1);
  }
}

void add_serve(CLI::App& parent, std::string command) {
  auto o = std::make_shared<serve_options>();
  o->command = std::move(command);
  auto* cmd = parent.add_subcommand(
      "serve", "Serve the runspec-registry compatible HTTP catalog of instances and tools");
  cmd->add_option("--host", o->host, "Bind address")->capture_default_str();
  cmd->add_option("--port", o->port, "Bind port (0: any free port)")->capture_default_str();
  cmd->add_option("--api-key", o->api_key, "API key for write endpoints (visible in ps)");
  cmd->add_option("--api-key-file", o->api_key_file, "File holding the API key")
      ->check(CLI::ExistingFile);
  cmd->add_option("--ssl-keyfile", o->ssl_keyfile, "TLS private key (PEM)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--ssl-certfile", o->ssl_certfile, "TLS certificate chain (PEM)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--ssl-client-ca", o->ssl_client_ca, "Require client certs signed by this CA")
      ->check(CLI::ExistingFile);
  cmd->add_option("--purge-interval", o->purge_interval, "Seconds between stale sweeps")
      ->capture_default_str();
  cmd->add_option("--store", o->store,
                  "memory:, sqlite:PATH or postgres://... (default: sqlite in the data folder)");
  cmd->add_option("--retention", o->retention, "Keep inactive records this long (e.g. 7d, 12h)")
      ->capture_default_str();
  cmd->add_option("--max-body", o->max_body, "Largest request body in bytes (413 above)")
      ->capture_default_str();
  cmd->add_option("--idle-timeout", o->idle_timeout, "Close idle connections after")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "I/O threads (0: one per core)")->capture_default_str();
  cmd->add_option("--rate-limit-scale", o->rate_limit_scale,
                  "Multiply every rate limit (benchmarks; 0 disables them)")
      ->capture_default_str();
  cmd->callback([o] { run_serve(*o); });
}

void add_both_serves(CLI::App& root) {
  add_serve(cli::catalog_command(root), "catalog serve");
  add_serve(cli::registry_command(root), "registry serve");
}

const neuromesh::cli::registrar reg{"catalog serve, registry serve", 41, add_both_serves};

}  // namespace
