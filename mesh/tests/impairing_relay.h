#pragma once
// A UDP relay for tests that impairs what it forwards: loss, reordering, duplication and
// corrupted bytes, seeded so a failure replays. The client is whoever first sends from an
// address other than the server's; both directions are impaired.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace neuromesh::mesh::test {

struct impairments {
  double loss = 0.05;
  double reorder = 0.05;  // held back and sent after the next datagram
  double duplicate = 0.05;
  double corrupt = 0.01;  // one byte flipped
  std::uint64_t seed = 1;
};

class impairing_relay {
 public:
  impairing_relay(std::uint16_t server_port, impairments im) : im_(im), rng_(im.seed) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    int buf = 8 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    server_.sin_family = AF_INET;
    server_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server_.sin_port = htons(server_port);
    thread_ = std::thread([this] { run(); });
  }
  ~impairing_relay() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

  std::atomic<std::uint64_t> forwarded{0}, dropped{0}, reordered{0}, duplicated{0}, corrupted{0};

 private:
  struct held {
    sockaddr_in to;
    std::vector<std::uint8_t> data;
  };

  bool chance(double p) { return std::uniform_real_distribution<>(0, 1)(rng_) < p; }

  void send(const sockaddr_in& to, std::vector<std::uint8_t> d) {
    if (chance(im_.corrupt) && !d.empty()) {
      d[rng_() % d.size()] ^= static_cast<std::uint8_t>(1 + rng_() % 255);
      ++corrupted;
    }
    ::sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    ++forwarded;
  }

  void run() {
    std::vector<std::uint8_t> buf(65536);
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5) <= 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      auto n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      bool from_server = from.sin_port == server_.sin_port;
      if (!from_server) client_ = from;
      if (from_server && !client_) continue;
      sockaddr_in to = from_server ? *client_ : server_;
      std::vector<std::uint8_t> d(buf.begin(), buf.begin() + n);
      if (chance(im_.loss)) {
        ++dropped;
        continue;
      }
      if (!held_ && chance(im_.reorder)) {
        held_ = held{to, std::move(d)};
        ++reordered;
        continue;
      }
      if (chance(im_.duplicate)) {
        send(to, d);
        ++duplicated;
      }
      send(to, std::move(d));
      if (held_) {
        send(held_->to, std::move(held_->data));
        held_.reset();
      }
    }
  }

  impairments im_;
  std::mt19937_64 rng_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  sockaddr_in server_{};
  std::optional<sockaddr_in> client_;
  std::optional<held> held_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace neuromesh::mesh::test
