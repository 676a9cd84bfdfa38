#pragma once
// What `neuromesh engram`, `effector` and `tool` share: connecting to a Synapse URL, hosting
// Engrams/Effectors until SIGINT/SIGTERM, and parsing JSON flags.

#include "neuromesh/runtime/effector.h"
#include "neuromesh/runtime/engram.h"
#include "neuromesh/runtime/engram_client.h"
#include "neuromesh/synapse/synapse.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>

namespace neuromesh::cli {

/// A JSON object flag (`--query '{"text":"x"}'`); prints "<cmd>: <flag>: <why>" and returns
/// nullopt when it is not a JSON object.
std::optional<boost::json::object> json_object_flag(const char* cmd, const char* flag,
                                                    const std::string& text);

/// Hosts one Engram or Effector on the Synapse at url (namespace ns) until SIGINT/SIGTERM:
/// connects, REGISTERs, prints "READY <id>" on stdout, serves. Returns the exit code
/// (1: cannot connect, 2: bad URL).
int serve_until_signal(const char* cmd, const std::string& url, const std::string& ns,
                       std::shared_ptr<runtime::engram> engram,
                       std::shared_ptr<runtime::effector> effector);

/// A connected Synapse and a started client on it; code != 0 when that failed (message
/// printed).
struct connected_client {
  std::shared_ptr<synapse::synapse> bus;
  std::unique_ptr<runtime::engram_client> client;
  int code = 0;
};
boost::asio::awaitable<connected_client> async_connect_client(const char* cmd, std::string url,
                                                              std::string ns);

/// Prints one JSON value on stdout, followed by a newline.
void print_json(const boost::json::value& v);

}  // namespace neuromesh::cli
