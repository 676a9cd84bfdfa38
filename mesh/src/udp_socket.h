#pragma once
// The node's one UDP socket on Asio, with Linux's batched calls: recvmmsg drains up to 64
// datagrams per system call and sendmmsg sends a batch in one (layer-internal).

#include "neuromesh/mesh/bytes.h"
#include "neuromesh/mesh/errc.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace neuromesh::mesh::detail {

using udp = boost::asio::ip::udp;

/// "host:port" (IPv4, IPv6 in brackets, or a name) to an endpoint.
result<udp::endpoint> resolve(const std::string& host_port);

/// Datagrams received by one recvmmsg call; buffers are reused between calls.
struct receive_batch {
  static constexpr std::size_t capacity = 64;
  std::array<std::array<std::uint8_t, 8192 + 64>, capacity> buffers;
  std::array<std::size_t, capacity> sizes{};
  std::array<udp::endpoint, capacity> sources;
  std::size_t count = 0;
};

class udp_socket {
 public:
  explicit udp_socket(boost::asio::io_context& io) : socket_(io) {}
  result<void> bind(const std::string& host_port, int buffer_bytes);
  std::uint16_t port() const;
  udp::socket& socket() noexcept { return socket_; }
  /// Sends every datagram (sendmmsg); returns how many the kernel took. Thread-safe: plain
  /// system calls on the descriptor.
  std::size_t send(const std::vector<std::pair<udp::endpoint, bytes>>& out);
  /// Receives what is queued without blocking (recvmmsg); b.count is 0 when nothing was.
  void receive(receive_batch& b);
  void close();

 private:
  udp::socket socket_;
};

}  // namespace neuromesh::mesh::detail
