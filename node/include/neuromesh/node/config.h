#pragma once
// The node's configuration: one table of keys, each settable from (lowest to highest
// precedence) its default, a TOML file (`--config`), a NEUROMESH_* environment variable and
// a command-line flag. Every value is validated where it is set; an error is one line naming
// the key, where it came from and what was expected:
//
//   config file neuromesh.toml: http_listen = "localhost": expected HOST:PORT
//
// The TOML file is flat (top-level keys only); values are strings, integers or floats:
//
//   namespace = "dev"
//   data_dir = "./neuromesh-data"
//   http_listen = "127.0.0.1:8765"
//   stale_after = "90s"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuromesh::node {

/// HOST:PORT (IPv6 as [::1]:PORT); port 0 picks a free one.
struct listen_address {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string to_string() const;
};
/// Throws config_error naming what is wrong.
listen_address parse_listen_address(std::string_view text);
/// "90", "90s", "500ms", "15m", "12h" -> milliseconds (a bare number is seconds).
std::chrono::milliseconds parse_duration(std::string_view text);

/// A configuration error; what() is the one line to print.
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct node_config {
  std::string ns = "dev";                             ///< namespace of the Signals mirrored
  std::filesystem::path data_dir = "neuromesh-data";  ///< SQLite files and the lock
  std::string store;                                  ///< "" (SQLite in data_dir) or postgres://...
  std::string synapse;  ///< "" (embedded cosmo:// broker), nats://... or cosmo://...
  listen_address broker_listen{"127.0.0.1", 7070};
  listen_address http_listen{"127.0.0.1", 8765};
  std::chrono::milliseconds suspect_after{std::chrono::seconds(45)};
  std::chrono::milliseconds stale_after{std::chrono::seconds(90)};
  std::chrono::milliseconds sweep_interval{std::chrono::seconds(5)};
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(30)};
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(5)};
  unsigned http_threads = 1;
  std::size_t feed_buffer = 10'000;  ///< recent Signals kept for a newly opened page
  unsigned busy_poll_us = 0;  ///< the broker thread's busy polling (synapse/busy_poll.h); 0: off
};

/// One configurable key: its TOML name, its environment variable, its flag and help.
struct config_key {
  std::string name;  ///< TOML key, e.g. "http_listen"
  std::string env;   ///< e.g. "NEUROMESH_HTTP_LISTEN"
  std::string flag;  ///< e.g. "--http-listen"
  std::string help;
  std::function<void(node_config&, const std::string&)> set;  ///< throws config_error
  std::function<std::string(const node_config&)> get;
};
const std::vector<config_key>& config_keys();

/// Where each key's value came from ("default", "config file", "environment", "flag").
using config_sources = std::map<std::string, std::string>;

/// Builds the configuration: defaults, then the TOML file at config_file (when given), then
/// environment variables read through getenv, then flags (key name -> raw value).
node_config resolve_config(const std::optional<std::filesystem::path>& config_file,
                           const std::function<const char*(const char*)>& getenv,
                           const std::map<std::string, std::string>& flags,
                           config_sources* sources = nullptr);

/// Parses TOML text into key -> value strings (flat tables only); throws config_error with
/// the file name, line and reason.
std::map<std::string, std::string> parse_config_toml(std::string_view text,
                                                     const std::string& origin);

/// The resolved configuration as TOML, each line commented with its source.
std::string print_config(const node_config& c, const config_sources& sources);

}  // namespace neuromesh::node
