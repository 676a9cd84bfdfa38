#include "neuromesh/node/config.h"

#include <boost/asio/ip/address.hpp>

#include <toml++/toml.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace neuromesh::node {

std::string listen_address::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

listen_address parse_listen_address(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    throw config_error("'" + std::string(text) + "': expected HOST:PORT, e.g. 127.0.0.1:8765");
  }
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port > 65535) {
    throw config_error("'" + std::string(text) + "': port '" + std::string(port_text) +
                       "' is not a number from 0 to 65535");
  }
  boost::system::error_code aec;
  boost::asio::ip::make_address(host, aec);
  if (aec) {
    throw config_error("'" + std::string(text) + "': host '" + host +
                       "' is not an IP address (use 127.0.0.1, 0.0.0.0 or ::1)");
  }
  return {host, static_cast<std::uint16_t>(port)};
}

std::chrono::milliseconds parse_duration(std::string_view text) {
  double value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  std::string_view unit(p, static_cast<std::size_t>(text.data() + text.size() - p));
  double ms_per = 0;
  if (unit.empty() || unit == "s")
    ms_per = 1000;
  else if (unit == "ms")
    ms_per = 1;
  else if (unit == "m")
    ms_per = 60'000;
  else if (unit == "h")
    ms_per = 3'600'000;
  if (ec != std::errc() || ms_per == 0 || value < 0) {
    throw config_error("'" + std::string(text) + "': expected a duration such as 500ms, 90s, 15m");
  }
  return std::chrono::milliseconds(static_cast<long long>(value * ms_per));
}

namespace {

std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

unsigned parse_count(std::string_view text, unsigned lo, unsigned hi) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < lo || v > hi) {
    throw config_error("'" + std::string(text) + "': expected a whole number from " +
                       std::to_string(lo) + " to " + std::to_string(hi));
  }
  return v;
}

config_key duration_key(std::string name, std::string env, std::string flag, std::string help,
                        std::chrono::milliseconds node_config::*member) {
  return {std::move(name),
          std::move(env),
          std::move(flag),
          std::move(help),
          [member](node_config& c, const std::string& v) { c.*member = parse_duration(v); },
          [member](const node_config& c) { return duration_text(c.*member); }};
}

std::vector<config_key> make_keys() {
  std::vector<config_key> k;
  k.push_back({"namespace", "NEUROMESH_NAMESPACE", "--namespace",
               "Namespace whose Signals the node mirrors and shows",
               [](node_config& c, const std::string& v) {
                 if (v.empty() || v.find_first_of(". *>\t") != std::string::npos)
                   throw config_error("'" + v +
                                      "': a namespace is one subject token (no dots, "
                                      "spaces or wildcards)");
                 c.ns = v;
               },
               [](const node_config& c) { return c.ns; }});
  k.push_back({"data_dir", "NEUROMESH_DATA_DIR", "--data-dir",
               "Folder of the SQLite stores and the lock (created if missing)",
               [](node_config& c, const std::string& v) {
                 if (v.empty()) throw config_error("'': expected a folder path");
                 c.data_dir = v;
               },
               [](const node_config& c) { return c.data_dir.string(); }});
  k.push_back({"store", "NEUROMESH_STORE", "--store",
               "Registry and catalog store: empty for SQLite in the data folder, or "
               "postgres://...",
               [](node_config& c, const std::string& v) {
                 if (!v.empty() && !v.starts_with("postgres://") &&
                     !v.starts_with("postgresql://") && !v.starts_with("sqlite:"))
                   throw config_error(
                       "'" + v + "': expected postgres://..., postgresql://... or sqlite:PATH");
                 c.store = v;
               },
               [](const node_config& c) { return c.store; }});
  k.push_back({"synapse", "NEUROMESH_SYNAPSE", "--synapse",
               "Use this Synapse instead of the embedded broker: nats://... or cosmo://...",
               [](node_config& c, const std::string& v) {
                 if (!v.empty() && !v.starts_with("nats://") && !v.starts_with("cosmo://"))
                   throw config_error("'" + v +
                                      "': expected nats://HOST:PORT or cosmo://HOST:PORT");
                 c.synapse = v;
               },
               [](const node_config& c) { return c.synapse; }});
  k.push_back(
      {"broker_listen", "NEUROMESH_BROKER_LISTEN", "--broker-listen",
       "Address of the embedded cosmo:// broker (port 0: any free port)",
       [](node_config& c, const std::string& v) { c.broker_listen = parse_listen_address(v); },
       [](const node_config& c) { return c.broker_listen.to_string(); }});
  k.push_back(
      {"http_listen", "NEUROMESH_HTTP_LISTEN", "--http-listen",
       "Address of the web view, catalog and /metrics (port 0: any free port)",
       [](node_config& c, const std::string& v) { c.http_listen = parse_listen_address(v); },
       [](const node_config& c) { return c.http_listen.to_string(); }});
  k.push_back(duration_key("suspect_after", "NEUROMESH_SUSPECT_AFTER", "--suspect-after",
                           "A participant silent this long shows as stale",
                           &node_config::suspect_after));
  k.push_back(duration_key("stale_after", "NEUROMESH_STALE_AFTER", "--stale-after",
                           "The sweep deregisters participants silent this long (0: never)",
                           &node_config::stale_after));
  k.push_back(duration_key("sweep_interval", "NEUROMESH_SWEEP_INTERVAL", "--sweep-interval",
                           "How often the stale sweep runs", &node_config::sweep_interval));
  k.push_back(duration_key(
      "heartbeat_interval", "NEUROMESH_HEARTBEAT_INTERVAL", "--heartbeat-interval",
      "HEARTBEAT period of participants attached to the node", &node_config::heartbeat_interval));
  k.push_back(duration_key("shutdown_grace", "NEUROMESH_SHUTDOWN_GRACE", "--shutdown-grace",
                           "How long a graceful stop may take", &node_config::shutdown_grace));
  k.push_back({"http_threads", "NEUROMESH_HTTP_THREADS", "--http-threads", "HTTP I/O threads",
               [](node_config& c, const std::string& v) { c.http_threads = parse_count(v, 1, 64); },
               [](const node_config& c) { return std::to_string(c.http_threads); }});
  k.push_back(
      {"feed_buffer", "NEUROMESH_FEED_BUFFER", "--feed-buffer",
       "Recent Signals kept for a page that opens",
       [](node_config& c, const std::string& v) { c.feed_buffer = parse_count(v, 1, 1'000'000); },
       [](const node_config& c) { return std::to_string(c.feed_buffer); }});
  k.push_back(
      {"busy_poll_us", "NEUROMESH_BUSY_POLL_US", "--busy-poll-us",
       "Microseconds the broker's thread keeps polling after each burst of work before "
       "it sleeps: lower latency for CPU (0: off)",
       [](node_config& c, const std::string& v) { c.busy_poll_us = parse_count(v, 0, 10'000); },
       [](const node_config& c) { return std::to_string(c.busy_poll_us); }});
  return k;
}

void apply(node_config& c, const config_key& key, const std::string& value,
           const std::string& origin) {
  try {
    key.set(c, value);
  } catch (const config_error& e) {
    throw config_error(origin + ": " + e.what());
  }
}

std::string toml_quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

const std::vector<config_key>& config_keys() {
  static const std::vector<config_key> keys = make_keys();
  return keys;
}

std::map<std::string, std::string> parse_config_toml(std::string_view text,
                                                     const std::string& origin) {
  toml::table table;
  try {
    table = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw config_error("config file " + origin + ":" + std::to_string(where.line) + ":" +
                       std::to_string(where.column) + ": " + std::string(e.description()));
  }
  std::map<std::string, std::string> out;
  for (const auto& [key, item] : table) {
    std::string name(key.str());
    bool known = false;
    for (const auto& k : config_keys()) known = known || k.name == name;
    auto line = std::to_string(item.source().begin.line);
    if (!known) {
      throw config_error("config file " + origin + ":" + line + ": unknown key '" + name + "'");
    }
    if (item.is_string()) {
      out[name] = *item.value<std::string>();
    } else if (item.is_integer()) {
      out[name] = std::to_string(*item.value<std::int64_t>());
    } else if (item.is_floating_point()) {
      std::ostringstream os;
      os << *item.value<double>();
      out[name] = os.str();
    } else {
      throw config_error("config file " + origin + ":" + line + ": " + name +
                         " must be a string or a number");
    }
  }
  return out;
}

node_config resolve_config(const std::optional<std::filesystem::path>& config_file,
                           const std::function<const char*(const char*)>& getenv,
                           const std::map<std::string, std::string>& flags,
                           config_sources* sources) {
  node_config c;
  config_sources src;
  for (const auto& k : config_keys()) src[k.name] = "default";
  if (config_file) {
    std::ifstream in(*config_file);
    if (!in) throw config_error("config file " + config_file->string() + ": cannot be read");
    std::stringstream ss;
    ss << in.rdbuf();
    auto values = parse_config_toml(ss.str(), config_file->string());
    for (const auto& k : config_keys()) {
      if (auto it = values.find(k.name); it != values.end()) {
        apply(c, k, it->second, "config file " + config_file->string() + ": " + k.name);
        src[k.name] = "config file";
      }
    }
  }
  for (const auto& k : config_keys()) {
    if (const char* v = getenv(k.env.c_str()); v != nullptr) {
      apply(c, k, v, k.env);
      src[k.name] = "environment";
    }
  }
  for (const auto& k : config_keys()) {
    if (auto it = flags.find(k.name); it != flags.end()) {
      apply(c, k, it->second, k.flag);
      src[k.name] = "flag";
    }
  }
  if (sources) *sources = std::move(src);
  return c;
}

std::string print_config(const node_config& c, const config_sources& sources) {
  std::string out = "# neuromesh up: resolved configuration (flags > NEUROMESH_* > file)\n";
  for (const auto& k : config_keys()) {
    auto it = sources.find(k.name);
    out += k.name + " = " + toml_quote(k.get(c)) + "  # " +
           (it == sources.end() ? "default" : it->second) + "\n";
  }
  return out;
}

}  // namespace neuromesh::node
