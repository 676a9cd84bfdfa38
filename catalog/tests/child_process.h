#pragma once
// A child process with pipes on stdin and stdout (for the CLI contract tests).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuromesh::catalog::test {

class child_process {
 public:
  explicit child_process(std::vector<std::string> argv) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~child_process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close_stdin();
    if (stdout_ >= 0) close(stdout_);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  void close_stdin() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
  }
  void signal(int sig) { kill(pid_, sig); }

  /// Reads stdout until a line starting with prefix arrives (or the deadline passes).
  std::string wait_for_line(const std::string& prefix, std::chrono::milliseconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      auto nl = buffer_.find('\n');
      while (nl != std::string::npos) {
        auto line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (line.starts_with(prefix)) return line;
        skipped_ += line + "\n";
        nl = buffer_.find('\n');
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "(timeout; unread: " + buffer_ + ")";
      pollfd p{stdout_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return "(timeout; unread: " + buffer_ + ")";
      char buf[4096];
      auto n = read(stdout_, buf, sizeof buf);
      if (n <= 0) return "(eof; unread: " + buffer_ + ")";
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  /// Waits for the exit; the exit code, or -1 on timeout / killed by a signal.
  int wait(std::chrono::milliseconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      auto r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      pollfd none{-1, 0, 0};
      poll(&none, 0, 5);  // a short poll interval while waiting on the child
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  bool exited_ = false;
  std::string buffer_;
  std::string skipped_;

 public:
  /// Lines wait_for_line passed over (for failure messages).
  const std::string& skipped() const { return skipped_; }
};

}  // namespace neuromesh::catalog::test
