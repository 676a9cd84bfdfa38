// neuromesh catalog announce  register an instance and its tools, heartbeat, deregister
// neuromesh catalog tools     list the catalog's tools, or one tool's per-host metadata
#include "catalog_command.h"
#include "command.h"
#include "neuromesh/catalog/catalog_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace neuromesh::cli {

CLI::App& catalog_command(CLI::App& root) {
  try {
    return *root.get_subcommand("catalog");
  } catch (const CLI::OptionNotFound&) {
    auto* cmd = root.add_subcommand("catalog", "Serve, announce to, or query an HTTP tool catalog");
    cmd->require_subcommand(1);
    return *cmd;
  }
}

}  // namespace neuromesh::cli

namespace {

using namespace neuromesh;
namespace json = boost::json;

struct connection_flags {
  std::string registry;
  std::string key;
  std::string key_file;
  std::string cert;
};

void add_connection_flags(CLI::App* cmd, connection_flags& f) {
  cmd->add_option("--registry", f.registry, "Catalog URL, http(s)://host:port")->required();
  cmd->add_option("--registry-key", f.key, "API key for writes (visible in ps)");
  cmd->add_option("--registry-key-file", f.key_file, "File holding the API key")
      ->check(CLI::ExistingFile);
  cmd->add_option("--registry-cert", f.cert, "CA certificate to trust (self-signed catalogs)")
      ->check(CLI::ExistingFile);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

catalog::client_options client_options_from(const connection_flags& f) {
  catalog::client_options o;
  o.registry_url = f.registry;
  if (!f.key.empty()) {
    o.api_key = f.key;
  } else if (!f.key_file.empty()) {
    auto k = read_file(f.key_file);
    while (!k.empty() && (k.back() == '\n' || k.back() == '\r')) k.pop_back();
    o.api_key = k;
  } else if (const char* env = std::getenv("NEUROMESH_REGISTRY_API_KEY"); env && *env) {
    o.api_key = env;
  }
  if (!f.cert.empty()) o.ca_file = f.cert;
  return o;
}

std::string uuid4() {
  std::random_device rd;
  std::uniform_int_distribution<int> d(0, 15);
  std::string s = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  const char* hex = "0123456789abcdef";
  for (auto& c : s) {
    if (c == 'x') c = hex[d(rd)];
    if (c == 'y') c = hex[8 + d(rd) % 4];
  }
  return s;
}

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// ---- announce ---------------------------------------------------------------------------

struct announce_options {
  connection_flags conn;
  std::string name;
  std::string tools_file;
  std::string host;
  std::string version = "1";
  std::string instance_id;
  double heartbeat = 30;
  bool ignore_stdin = false;
};

// Stop requests from signals, stdin EOF or a fatal error, waited on by the loop.
class stop_latch {
 public:
  void request(const char* why) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      why_ = why;
    }
    cv_.notify_all();
  }
  /// Waits up to d; true when a stop was requested.
  bool wait_for(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, d, [this] { return stopped_; });
  }
  const char* why() {
    std::lock_guard lock(mu_);
    return why_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  const char* why_ = "";
};

void load_tools(const std::string& path, json::array& out) {
  out.clear();
  if (path.empty()) return;
  boost::system::error_code ec;
  json::value v = json::parse(read_file(path), ec);
  if (ec) throw std::runtime_error(path + ": not JSON: " + ec.message());
  json::value* list = &v;
  if (v.is_object()) {
    auto it = v.get_object().find("tools");
    if (it == v.get_object().end()) throw std::runtime_error(path + ": no \"tools\" key");
    list = &it->value();
  }
  if (!list->is_array()) throw std::runtime_error(path + ": expected a JSON array of tool objects");
  const auto& arr = list->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_object()) {
      throw std::runtime_error(path + ": tools[" + std::to_string(i) + "] is not an object");
    }
  }
  out = arr;
}

// Registers (retrying until it works or a stop), so the catalog may start after us.
bool register_until_done(catalog::catalog_client& client, catalog::announcement& a,
                         stop_latch& stop, std::chrono::milliseconds retry) {
  for (;;) {
    auto r = client.register_instance(a);
    if (r) {
      spdlog::info("catalog announce: registered {} as {} (generation {}, {} tools)", a.name,
                   a.instance_id, a.generation, a.tools.size());
      return true;
    }
    spdlog::warn("catalog announce: register failed: {}; retrying", r.error().message);
    if (stop.wait_for(retry)) return false;
  }
}

void run_announce(const announce_options& o) {
  try {
    catalog::catalog_client client(client_options_from(o.conn));
    catalog::announcement a;
    a.instance_id = o.instance_id.empty() ? uuid4() : o.instance_id;
    a.name = o.name;
    a.version = o.version;
    a.host = o.host.empty() ? hostname() : o.host;
    a.heartbeat_interval = std::chrono::milliseconds(static_cast<long long>(o.heartbeat * 1000));
    load_tools(o.tools_file, a.tools);
    auto new_generation = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    a.generation = new_generation();

    stop_latch stop;
    boost::asio::io_context sig_ioc;
    boost::asio::signal_set signals(sig_ioc, SIGINT, SIGTERM);
    signals.async_wait([&stop](const boost::system::error_code& ec, int sig) {
      if (!ec) stop.request(sig == SIGINT ? "SIGINT" : "SIGTERM");
    });
    std::thread sig_thread([&sig_ioc] { sig_ioc.run(); });
    if (!o.ignore_stdin) {
      // An MCP host closes stdin to stop us (the reference then never deregistered).
      std::thread([&stop] {
        char buf[256];
        while (::read(0, buf, sizeof buf) > 0) {
        }
        stop.request("stdin closed");
      }).detach();
    }

    bool registered = register_until_done(client, a, stop, a.heartbeat_interval);
    while (registered && !stop.wait_for(a.heartbeat_interval)) {
      auto hb = client.heartbeat(a);
      if (!hb) {
        if (hb.error().status == 409) {
          // Deregistered after our generation: we are alive, so register anew.
          a.generation = new_generation();
          spdlog::warn("catalog announce: the catalog deregistered us; registering again");
          registered = register_until_done(client, a, stop, a.heartbeat_interval);
          continue;
        }
        spdlog::warn("catalog announce: heartbeat failed: {}", hb.error().message);
        continue;
      }
      if (*hb == catalog::heartbeat_reply::refresh) {
        auto t = client.update_tools(a.instance_id, a.tools);
        if (!t && t.error().status == 404) {
          registered = register_until_done(client, a, stop, a.heartbeat_interval);
        } else if (!t) {
          spdlog::warn("catalog announce: tool update failed: {}", t.error().message);
        }
      }
    }
    spdlog::info("catalog announce: {}; deregistering {}", stop.why(), a.instance_id);
    // Always: a registration cut short by the stop may have reached the catalog, and a
    // DELETE of an unknown id is a harmless no-op.
    if (auto d = client.deregister(a.instance_id); !d) {
      spdlog::warn("catalog announce: deregister failed: {}", d.error().message);
      cli::set_exit_code(registered ? 1 : 0);
    }
    sig_ioc.stop();
    sig_thread.join();
  } catch (const std::exception& e) {
    std::cerr << "neuromesh catalog announce: " << e.what() << "\n";
    cli::set_exit_code(1);
  }
}

// ---- tools ------------------------------------------------------------------------------

struct tools_options {
  connection_flags conn;
  std::string name;
  std::string host;
  bool json = false;
};

std::string url_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string str(const json::object& o, std::string_view key, std::string fallback = "") {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  if (it->value().is_string()) return std::string(it->value().get_string());
  return json::serialize(it->value());
}

void run_tools(const tools_options& o) {
  try {
    auto opts = client_options_from(o.conn);
    catalog::catalog_client client(opts);
    if (o.name.empty()) {
      auto body = client.get("/tools");
      if (!body) throw std::runtime_error(body.error().message);
      if (o.json) {
        std::cout << *body << "\n";
        return;
      }
      auto list = json::parse(*body);
      for (const auto& t : list.as_array()) {
        const auto& obj = t.as_object();
        std::string hosts;
        for (const auto& h : obj.at("hosts").as_array()) {
          if (!hosts.empty()) hosts += ", ";
          hosts += str(h.as_object(), "host");
        }
        std::cout << str(obj, "name") << "\t" << str(obj, "description") << "\t[" << hosts << "]\n";
      }
      return;
    }
    auto body = client.get("/tools/" + url_escape(o.name));
    if (!body) throw std::runtime_error(body.error().message);
    auto tool = json::parse(*body).as_object();
    const auto& hosts = tool.at("hosts").as_array();
    if (!o.host.empty()) {
      // The first entry for that host, as the reference's `run --host` picked it.
      for (const auto& h : hosts) {
        const auto& e = h.as_object();
        if (str(e, "host") != o.host) continue;
        if (o.json) {
          std::cout << json::serialize(e) << "\n";
          return;
        }
        std::cout << "host\t" << o.host << "\n"
                  << "command\t" << str(e, "x-command", o.name) << "\n"
                  << "run_as\t" << str(e, "x-run-as") << "\n"
                  << "become_method\t" << str(e, "x-become-method", "sudo") << "\n"
                  << "become_flags\t" << str(e, "x-become-flags") << "\n"
                  << "autonomy\t" << str(e, "x-autonomy", str(tool, "x-autonomy")) << "\n";
        return;
      }
      throw std::runtime_error("tool '" + o.name + "' is not offered on host '" + o.host + "'");
    }
    if (o.json) {
      std::cout << *body << "\n";
      return;
    }
    std::cout << str(tool, "name") << "\t" << str(tool, "description") << "\n";
    if (tool.contains("x-autonomy")) std::cout << "autonomy\t" << str(tool, "x-autonomy") << "\n";
    for (const auto& h : hosts) {
      const auto& e = h.as_object();
      std::cout << "  " << str(e, "host") << "\tcommand=" << str(e, "x-command", o.name)
                << " run_as=" << str(e, "x-run-as") << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "neuromesh catalog tools: " << e.what() << "\n";
    cli::set_exit_code(1);
  }
}

void add_catalog(CLI::App& root) {
  auto* cmd = &cli::catalog_command(root);

  auto a = std::make_shared<announce_options>();
  auto* announce = cmd->add_subcommand(
      "announce", "Register with a catalog, heartbeat until SIGINT/SIGTERM/stdin EOF, deregister");
  add_connection_flags(announce, a->conn);
  announce->add_option("--name", a->name, "Instance name")->required();
  announce->add_option("--tools", a->tools_file, "JSON file: an array of tool objects");
  announce->add_option("--host", a->host, "Host name to announce (default: this host)");
  announce->add_option("--version", a->version, "Spec version to announce")->capture_default_str();
  announce->add_option("--instance-id", a->instance_id, "Instance id (default: a new UUID)");
  announce->add_option("--heartbeat", a->heartbeat, "Seconds between heartbeats")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  announce->add_flag("--ignore-stdin", a->ignore_stdin, "Do not stop when stdin closes");
  announce->callback([a] { run_announce(*a); });

  auto t = std::make_shared<tools_options>();
  auto* tools = cmd->add_subcommand("tools", "List tools, or one tool's per-host metadata");
  add_connection_flags(tools, t->conn);
  tools->add_option("name", t->name, "Tool name");
  tools->add_option("--host", t->host, "Show the execution metadata for this host");
  tools->add_flag("--json", t->json, "Print the catalog's JSON");
  tools->callback([t] { run_tools(*t); });
}

const neuromesh::cli::registrar reg{"catalog", 45, add_catalog};

}  // namespace
