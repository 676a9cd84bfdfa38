#pragma once
// Test helpers for the node: a `neuromesh up` child process (stdout and stderr merged into
// one pipe, read line by line with a deadline), a Synapse client to publish as an agent
// would, and a small HTTP client.

#include "neuromesh/catalog/catalog_client.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/synapse/synapse_from_url.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace neuromesh::node::test {

using namespace std::chrono_literals;

class child {
 public:
  child(std::vector<std::string> argv, const std::filesystem::path& cwd,
        std::vector<std::string> env = {}) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(out[1], 2);
      close(out[0]);
      if (chdir(cwd.c_str()) != 0) _exit(126);
      for (auto& e : env) putenv(e.data());
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
  }
  ~child() {
    if (pid_ > 0 && !status_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  void signal(int sig) { kill(pid_, sig); }

  /// The next line containing needle (or "" at EOF / deadline); all output is kept.
  std::string wait_for(const std::string& needle, std::chrono::milliseconds deadline = 20s) {
    auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      auto nl = buffer_.find('\n', scanned_);
      while (nl != std::string::npos) {
        auto line = buffer_.substr(scanned_, nl - scanned_);
        scanned_ = nl + 1;
        if (line.find(needle) != std::string::npos) return line;
        nl = buffer_.find('\n', scanned_);
      }
      if (!read_some(end)) return "";
    }
  }

  /// Waits for the exit; the exit code (128+signal when killed), nullopt at the deadline.
  std::optional<int> wait_exit(std::chrono::milliseconds deadline = 20s) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (!status_) {
      int st = 0;
      auto r = waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        break;
      }
      if (std::chrono::steady_clock::now() > end) return std::nullopt;
      read_some(std::chrono::steady_clock::now() + 10ms);
    }
    while (read_some(std::chrono::steady_clock::now() + 10ms)) {
    }
    return status_;
  }
  const std::string& output() const { return buffer_; }
  pid_t pid() const { return pid_; }

 private:
  bool read_some(std::chrono::steady_clock::time_point end) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    auto n = read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  std::size_t scanned_ = 0;
  std::optional<int> status_;
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
