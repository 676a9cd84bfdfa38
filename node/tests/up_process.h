#pragma once
// Test helpers for the node: a `neuromesh up` child process (stdout and stderr merged into
// one pipe, read line by line with a deadline), a Synapse client to publish as an agent
// would, and a small HTTP client.

#include "neuromesh/catalog/catalog_client.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/synapse/synapse_from_url.h"
#include "neuromesh/testing/child_process.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace neuromesh::node::test {

using namespace std::chrono_literals;

/// A child with stdout and stderr merged, run in cwd with env added.
class child : public neuromesh::testing::child_process {
 public:
  child(std::vector<std::string> argv, const std::filesystem::path& cwd,
        std::vector<std::string> env = {})
      : child_process(std::move(argv), {.err = neuromesh::testing::stderr_to::into_stdout,
                                        .cwd = cwd,
                                        .env = std::move(env)}) {}

  /// The next line containing needle, or "" at EOF / the deadline.
  std::string wait_for(const std::string& needle, std::chrono::milliseconds deadline = 20s) {
    auto l = out_until(needle, deadline);
    return l == "<timeout>" || l == "<eof>" ? "" : l;
  }
  /// The exit code (128+signal when killed), nullopt at the deadline.
  std::optional<int> wait_exit(std::chrono::milliseconds deadline = 20s) {
    int code = wait(deadline);
    if (code < 0) return std::nullopt;
    return code;
  }
  const std::string& output() const { return out_seen(); }
};

/// `neuromesh up --json` on free ports; endpoints read from its JSON line.
struct up_node {
  std::unique_ptr<child> proc;
  std::string broker_url;
  std::string http_url;

  static std::vector<std::string> argv(const std::filesystem::path& data_dir,
                                       std::vector<std::string> extra = {}) {
    std::vector<std::string> a{NEUROMESH_CLI_PATH, "up",          "--json",
                               "--broker-listen",  "127.0.0.1:0", "--http-listen",
                               "127.0.0.1:0"};
    if (!data_dir.empty()) {
      a.push_back("--data-dir");
      a.push_back(data_dir.string());
    }
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  /// Starts it; throws with the output when it does not come up.
  void start(const std::filesystem::path& cwd, const std::filesystem::path& data_dir,
             std::vector<std::string> extra = {}, std::vector<std::string> env = {}) {
    proc = std::make_unique<child>(argv(data_dir, std::move(extra)), cwd, std::move(env));
    auto line = proc->wait_for("\"http_url\"");
    if (line.empty()) throw std::runtime_error("up did not start: " + proc->output());
    auto v = boost::json::parse(line).as_object();
    broker_url = std::string(v.at("broker_url").as_string());
    http_url = std::string(v.at("http_url").as_string());
  }
};

/// A Synapse client on its own thread, publishing as an agent would.
class agent_bus {
 public:
  explicit agent_bus(const std::string& url) : guard_(boost::asio::make_work_guard(ioc_)) {
    bus_ = synapse::synapse_from_url(url, ioc_.get_executor()).value();
    thread_ = std::thread([this] { ioc_.run(); });
    auto ec = boost::asio::co_spawn(ioc_, bus_->async_connect(), boost::asio::use_future).get();
    if (ec) throw std::runtime_error("agent_bus connect: " + ec.message());
  }
  ~agent_bus() {
    boost::asio::co_spawn(ioc_, bus_->async_close(), boost::asio::use_future).get();
    guard_.reset();
    thread_.join();
  }
  void publish(const std::string& ns, const protocol::signal& s) {
    auto ec = boost::asio::co_spawn(ioc_, bus_->async_publish(protocol::subject_for(ns, s), s),
                                    boost::asio::use_future)
                  .get();
    if (ec) throw std::runtime_error("publish: " + ec.message());
  }
  synapse::subscription subscribe(const std::string& subject, synapse::handler h) {
    return boost::asio::co_spawn(ioc_, bus_->async_subscribe(subject, std::move(h)),
                                 boost::asio::use_future)
        .get()
        .value();
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::unique_ptr<synapse::synapse> bus_;
  std::thread thread_;
};

inline protocol::signal register_of(const std::string& id, std::vector<std::string> caps) {
  return protocol::register_signal({.id = id,
                                    .kind = "echo",
                                    .capabilities = std::move(caps),
                                    .role = "neuron",
                                    .version = "1.2.3"});
}

/// HTTP exchange; status 0 when the server is not reachable.
inline catalog::http_reply http(const std::string& base, const std::string& method,
                                const std::string& path,
                                const std::optional<std::string>& body = std::nullopt) {
  catalog::client_options o;
  o.registry_url = base;
  o.timeout = 5s;
  catalog::catalog_client c(o);
  auto r = c.exchange(method, path, body);
  if (!r) return {};
  return *r;
}

/// A fresh empty folder under the temp dir, removed at scope end.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    auto base = std::filesystem::temp_directory_path() / "neuromesh-node-test-XXXXXX";
    std::string tmpl = base.string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace neuromesh::node::test
