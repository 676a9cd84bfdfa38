#include "udp_socket.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/socket_base.hpp>
#include <fmt/format.h>

#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace neuromesh::mesh::detail {

result<udp::endpoint> resolve(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos)
    return fail(errc::bad_field, fmt::format("address \"{}\": expected HOST:PORT", host_port));
  std::string host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  auto p = host_port.data() + colon + 1, end = host_port.data() + host_port.size();
  auto [ptr, ec] = std::from_chars(p, end, port);
  if (ec != std::errc{} || ptr != end || p == end || port > 65535)
    return fail(errc::bad_field, fmt::format("address \"{}\": bad port", host_port));
  boost::system::error_code aec;
  auto addr = boost::asio::ip::make_address(host, aec);
  if (aec) {
    boost::asio::io_context io;
    udp::resolver r(io);
    auto results = r.resolve(udp::v4(), host, std::to_string(port), aec);
    if (aec || results.empty())
      return fail(errc::bad_field, fmt::format("address \"{}\": {}", host_port, aec.message()));
    return results.begin()->endpoint();
  }
  return udp::endpoint(addr, static_cast<std::uint16_t>(port));
}

result<void> udp_socket::bind(const std::string& host_port, int buffer_bytes) {
  auto ep = resolve(host_port);
  if (!ep) return ep.error();
  boost::system::error_code ec;
  socket_.open(ep->protocol(), ec);
  if (!ec) socket_.bind(*ep, ec);
  if (ec) return fail(errc::io_error, fmt::format("bind {}: {}", host_port, ec.message()));
  socket_.non_blocking(true, ec);
  boost::system::error_code ignored;  // the kernel may clamp or refuse; not fatal
  socket_.set_option(boost::asio::socket_base::receive_buffer_size(buffer_bytes), ignored);
  socket_.set_option(boost::asio::socket_base::send_buffer_size(buffer_bytes), ignored);
  return {};
}

std::uint16_t udp_socket::port() const {
  boost::system::error_code ec;
  return socket_.local_endpoint(ec).port();
}

std::size_t udp_socket::send(const std::vector<std::pair<udp::endpoint, bytes>>& out) {
  std::size_t sent = 0;
  constexpr std::size_t chunk = 64;
  mmsghdr msgs[chunk];
  iovec iov[chunk];
  for (std::size_t at = 0; at < out.size();) {
    std::size_t n = std::min(chunk, out.size() - at);
    for (std::size_t i = 0; i < n; ++i) {
      auto& [ep, data] = out[at + i];
      iov[i] = {const_cast<std::uint8_t*>(data.data()), data.size()};
      std::memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_name = const_cast<void*>(static_cast<const void*>(ep.data()));
      msgs[i].msg_hdr.msg_namelen = static_cast<socklen_t>(ep.size());
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int r = ::sendmmsg(const_cast<udp::socket&>(socket_).native_handle(), msgs,
                       static_cast<unsigned>(n), 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      // EAGAIN (full buffer) or an ICMP error from an earlier datagram: skip one and go on;
      // reliable streams resend what is lost.
      ++at;
      continue;
    }
    sent += static_cast<std::size_t>(r);
    at += r == 0 ? 1 : static_cast<std::size_t>(r);
  }
  return sent;
}

void udp_socket::receive(receive_batch& b) {
  mmsghdr msgs[receive_batch::capacity];
  iovec iov[receive_batch::capacity];
  sockaddr_storage addrs[receive_batch::capacity];
  for (std::size_t i = 0; i < receive_batch::capacity; ++i) {
    iov[i] = {b.buffers[i].data(), b.buffers[i].size()};
    std::memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_name = &addrs[i];
    msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  b.count = 0;
  int r;
  do {
    r = ::recvmmsg(socket_.native_handle(), msgs, receive_batch::capacity, MSG_DONTWAIT, nullptr);
  } while (r < 0 && errno == EINTR);
  if (r <= 0) return;
  for (int i = 0; i < r; ++i) {
    b.sizes[i] = msgs[i].msg_len;
    std::memcpy(b.sources[i].data(), &addrs[i], msgs[i].msg_hdr.msg_namelen);
    b.sources[i].resize(msgs[i].msg_hdr.msg_namelen);
  }
  b.count = static_cast<std::size_t>(r);
}

void udp_socket::close() {
  boost::system::error_code ec;
  socket_.close(ec);
}

}  // namespace neuromesh::mesh::detail
