#include "neuromesh/testing/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace neuromesh::testing {

using clock = std::chrono::steady_clock;

child_process::child_process(std::vector<std::string> argv, child_options options) {
  // Writing to a child that died must fail with EPIPE, not kill the test.
  ::signal(SIGPIPE, SIG_IGN);
  int out[2], err[2] = {-1, -1}, in[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("child_process: pipe failed");
  bool own_err = options.err == stderr_to::own_pipe;
  if (own_err && ::pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("child_process: pipe failed");
  if (options.pipe_stdin && ::pipe2(in, O_CLOEXEC) != 0)
    throw std::runtime_error("child_process: pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("child_process: fork failed");
  if (pid_ == 0) {
    // dup2 clears O_CLOEXEC on the copies; the pipe ends themselves close on exec.
    ::dup2(out[1], 1);
    if (options.err != stderr_to::inherit) ::dup2(own_err ? err[1] : out[1], 2);
    if (options.pipe_stdin) ::dup2(in[0], 0);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(126);
    for (auto& e : options.env) ::putenv(e.data());
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  out_.fd = out[0];
  if (own_err) {
    ::close(err[1]);
    err_.fd = err[0];
  }
  if (options.pipe_stdin) {
    ::close(in[0]);
    in_ = in[1];
  }
}

child_process::~child_process() {
  kill();
  close_in();
  for (int fd : {out_.fd, err_.fd})
    if (fd >= 0) ::close(fd);
}

bool child_process::write_in(std::string_view text) {
  while (!text.empty()) {
    if (in_ < 0) return false;
    auto n = ::write(in_, text.data(), text.size());
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void child_process::close_in() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

// Reads what the stream has within timeout into its buffer; false at EOF or the deadline.
bool child_process::fill(stream& s, std::chrono::milliseconds timeout) {
  if (s.fd < 0 || s.eof) return false;
  pollfd p{s.fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char tmp[4096];
  auto n = ::read(s.fd, tmp, sizeof tmp);
  if (n <= 0) {
    s.eof = true;
    return false;
  }
  s.buffer.append(tmp, static_cast<std::size_t>(n));
  s.seen.append(tmp, static_cast<std::size_t>(n));
  return true;
}

std::string child_process::line(stream& s, std::chrono::milliseconds timeout) {
  auto end = clock::now() + timeout;
  while (s.buffer.find('\n') == std::string::npos) {
    if (s.eof || s.fd < 0) {
      if (s.buffer.empty()) return "<eof>";
      s.buffer += '\n';  // a last line without its newline
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock::now());
    if (left.count() <= 0) return "<timeout>";
    fill(s, left);
  }
  auto nl = s.buffer.find('\n');
  std::string l = s.buffer.substr(0, nl);
  s.buffer.erase(0, nl + 1);
  return l;
}

std::string child_process::until(stream& s, std::string_view needle,
                                 std::chrono::milliseconds timeout) {
  auto end = clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock::now());
    auto l = line(s, std::max(left, std::chrono::milliseconds(0)));
    if (l == "<timeout>" || l == "<eof>" || l.find(needle) != std::string::npos) return l;
  }
}

std::string child_process::out_line(std::chrono::milliseconds timeout) {
  return line(out_, timeout);
}
std::string child_process::err_line(std::chrono::milliseconds timeout) {
  return line(err_, timeout);
}
std::string child_process::out_until(std::string_view needle, std::chrono::milliseconds timeout) {
  return until(out_, needle, timeout);
}
std::string child_process::err_until(std::string_view needle, std::chrono::milliseconds timeout) {
  return until(err_, needle, timeout);
}

std::string child_process::rest_out(std::chrono::milliseconds timeout) {
  std::string all;
  for (auto l = out_line(timeout); l != "<eof>" && l != "<timeout>"; l = out_line(timeout))
    all += l + "\n";
  return all;
}

void child_process::signal(int sig) {
  if (pid_ > 0 && !exited_) ::kill(pid_, sig);
}

int child_process::wait(std::chrono::milliseconds timeout) {
  if (exited_) return code_;
  auto end = clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      // What it wrote before exiting is still in the pipes: read it up to EOF.
      while (fill(out_, std::chrono::milliseconds(10))) {
      }
      while (fill(err_, std::chrono::milliseconds(10))) {
      }
      return code_;
    }
    if (clock::now() >= end) return -1;
    // Keep the pipes drained meanwhile: a child blocked on a full pipe would never exit.
    bool got = fill(out_, std::chrono::milliseconds(0));
    got = fill(err_, std::chrono::milliseconds(0)) || got;
    if (!got) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void child_process::kill() {
  if (pid_ <= 0 || exited_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exited_ = true;
  code_ = 128 + SIGKILL;
}

}  // namespace neuromesh::testing
