#pragma once
// A neuromesh child process (the binary named by NEUROMESH_CLI) with stdout and stderr on
// separate pipes, read line by line with deadlines. Shared by the runtime's CLI tests.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuromesh::runtime::test {

using namespace std::chrono_literals;

inline std::string binary() { return NEUROMESH_CLI; }

/// A child process with stdout and stderr on separate pipes (and stdin on a third one when
/// with_stdin is set); killed (SIGKILL) if still running when destroyed.
class child {
 public:
  explicit child(std::vector<std::string> args, bool with_stdin = false) {
    int out[2], err[2], in[2] = {-1, -1};
    if (::pipe(out) != 0 || ::pipe(err) != 0) throw std::runtime_error("pipe");
    if (with_stdin && ::pipe(in) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      if (with_stdin) ::dup2(in[0], 0);
      for (int fd : {out[0], out[1], err[0], err[1], in[0], in[1]})
        if (fd >= 0) ::close(fd);
      std::vector<char*> argv;
      std::string bin = binary();
      argv.push_back(bin.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
    if (with_stdin) {
      ::close(in[0]);
      in_ = in[1];
    }
  }
  ~child() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    ::close(err_);
    close_in();
  }
  /// Writes text to the child's stdin (with_stdin only).
  bool write_in(const std::string& text) {
    return in_ >= 0 && ::write(in_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }
  /// EOF on the child's stdin.
  void close_in() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }
  std::string out_line(std::chrono::milliseconds t = 10s) { return line(out_, obuf_, t); }
  std::string err_line(std::chrono::milliseconds t = 10s) { return line(err_, ebuf_, t); }
  /// Next stderr line containing needle (or "<timeout>").
  std::string err_until(const std::string& needle, std::chrono::milliseconds t = 10s) {
    auto end = std::chrono::steady_clock::now() + t;
    while (std::chrono::steady_clock::now() < end) {
      auto l = err_line(std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now()));
      if (l.find(needle) != std::string::npos) return l;
      if (l == "<eof>") break;
    }
    return "<timeout>";
  }
  /// All remaining stdout until EOF.
  std::string rest_out(std::chrono::milliseconds t = 10s) {
    std::string all;
    for (auto l = out_line(t); l != "<eof>" && l != "<timeout>"; l = out_line(t)) all += l + "\n";
    return all;
  }
  void signal(int sig) { ::kill(pid_, sig); }
  int wait(std::chrono::milliseconds t = 20s) {
    auto end = std::chrono::steady_clock::now() + t;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      ::usleep(2000);
    }
    return -1;
  }

 private:
  static std::string line(int fd, std::string& buf, std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (buf.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "<timeout>";
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char tmp[4096];
      auto n = ::read(fd, tmp, sizeof tmp);
      if (n <= 0) return "<eof>";
      buf.append(tmp, static_cast<std::size_t>(n));
    }
    auto nl = buf.find('\n');
    auto l = buf.substr(0, nl);
    buf.erase(0, nl + 1);
    return l;
  }
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1, in_ = -1;
  bool exited_ = false;
  std::string obuf_, ebuf_;
};

}  // namespace neuromesh::runtime::test
