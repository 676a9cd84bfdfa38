#pragma once
// A blocking POSIX TCP connection with TCP_NODELAY, shared by the raw synapse load tools
// (synapse_raw_load, synapse_raw_pingpong). No neuromesh code: these tools measure the
// servers, not our clients.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace raw_bench {

[[noreturn]] inline void die(const std::string& why) {
  std::fprintf(stderr, "synapse raw bench: %s\n", why.c_str());
  std::exit(2);
}

/// host and port of `scheme://host:port`.
inline std::pair<std::string, std::string> host_port(std::string_view url) {
  auto scheme = url.find("://");
  auto rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) die(std::string(url) + ": the URL needs host:port");
  return {std::string(rest.substr(0, colon)), std::string(rest.substr(colon + 1))};
}

class line_socket {
 public:
  line_socket(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr)
      die("cannot resolve " + host);
    fd_ = ::socket(res->ai_family, res->ai_socktype, 0);
    if (::connect(fd_, res->ai_addr, res->ai_addrlen) != 0) die("cannot connect to " + host);
    ::freeaddrinfo(res);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~line_socket() { ::close(fd_); }
  line_socket(const line_socket&) = delete;
  line_socket& operator=(const line_socket&) = delete;

  void send(std::string_view d) {
    while (!d.empty()) {
      auto n = ::send(fd_, d.data(), d.size(), MSG_NOSIGNAL);
      if (n <= 0) die("send failed");
      d.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Counts lines into `total` until it reaches `want` or the socket is shut down.
  void count_into(std::atomic<std::size_t>& total, std::size_t want) {
    while (total.load(std::memory_order_relaxed) < want) {
      auto n = ::recv(fd_, buf_.data(), buf_.size(), 0);
      if (n <= 0) return;
      std::size_t lines = 0;
      const char* p = buf_.data();
      const char* end = p + n;
      while ((p = static_cast<const char*>(std::memchr(p, '\n', end - p)))) {
        ++p;
        ++lines;
      }
      total.fetch_add(lines);
    }
  }
  void shutdown() { ::shutdown(fd_, SHUT_RDWR); }
  // Reads until `lines` newline-terminated lines have arrived (counting only).
  void count_lines(std::size_t lines) {
    while (lines > 0) {
      auto n = ::recv(fd_, buf_.data(), buf_.size(), 0);
      if (n <= 0) die("connection closed with " + std::to_string(lines) + " lines to go");
      const char* p = buf_.data();
      const char* end = p + n;
      while (lines > 0 && (p = static_cast<const char*>(std::memchr(p, '\n', end - p)))) {
        ++p;
        --lines;
      }
    }
  }
  // Reads exactly one '\n'-terminated line (without it), keeping what follows for the next
  // call: the ping-pong tool reads one reply at a time.
  std::string_view read_line() {
    if (consumed_ > 0) {
      pending_.erase(0, consumed_);
      consumed_ = 0;
    }
    std::size_t scanned = 0;
    while (true) {
      auto nl = pending_.find('\n', scanned);
      if (nl != std::string::npos) {
        consumed_ = nl + 1;
        return std::string_view(pending_).substr(0, nl);
      }
      scanned = pending_.size();
      auto n = ::recv(fd_, buf_.data(), buf_.size(), 0);
      if (n <= 0) die("connection closed while waiting for a line");
      pending_.append(buf_.data(), static_cast<std::size_t>(n));
    }
  }
  // Reads exactly n bytes (after read_line: a NATS payload and its CRLF).
  void read_exact(std::size_t n) {
    if (consumed_ > 0) {
      pending_.erase(0, consumed_);
      consumed_ = 0;
    }
    while (pending_.size() < n) {
      auto got = ::recv(fd_, buf_.data(), buf_.size(), 0);
      if (got <= 0) die("connection closed while reading a payload");
      pending_.append(buf_.data(), static_cast<std::size_t>(got));
    }
    consumed_ = n;
  }

 private:
  int fd_ = -1;
  std::vector<char> buf_ = std::vector<char>(1 << 20);
  std::string pending_;
  std::size_t consumed_ = 0;
};

}  // namespace raw_bench
