#pragma once
// Starts a real server binary (redis-server, nats-server) as a child process on a given
// loopback port, for tests that must kill and restart it; waits until the port accepts.

#include "neuromesh/testing/testing.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace neuromesh::bus::test {

inline bool port_accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

class server_process {
 public:
  server_process(std::vector<std::string> argv, std::uint16_t port)
      : argv_(std::move(argv)), port_(port) {
    start();
  }
  ~server_process() { kill(); }

  void start() {
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv_[0] + " (is it installed?)");
    if (!testing::eventually([&] { return port_accepts(port_); })) {
      throw std::runtime_error(argv_[0] + " did not accept on port " + std::to_string(port_));
    }
  }
  /// SIGKILL: an outage, not a clean stop.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::uint16_t port() const { return port_; }

 private:
  std::vector<std::string> argv_;
  std::uint16_t port_;
  pid_t pid_ = -1;
};

inline std::vector<std::string> redis_argv(std::uint16_t port) {
  return {"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1",
          "--save",       "",       "--appendonly",       "no"};
}

inline std::vector<std::string> nats_argv(std::uint16_t port, const std::string& store_dir) {
  return {"nats-server", "-a", "127.0.0.1", "-p", std::to_string(port), "-js", "-sd", store_dir};
}

}  // namespace neuromesh::bus::test
