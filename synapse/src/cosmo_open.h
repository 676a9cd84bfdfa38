#pragma once
// Opening a connection to a cosmo:// (or cosmos://) broker, shared by the client
// (cosmo_synapse) and the management line connection (cosmo_line): resolve, connect, TLS
// handshake when asked, and the welcome line, all bounded by connect_timeout. Every failure
// is logged with its reason.

#include "neuromesh/synapse/cosmo_synapse.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <string>

namespace neuromesh::synapse::detail {

/// A connection's byte stream: the socket, wrapped in TLS for cosmos://.
struct cosmo_stream {
  explicit cosmo_stream(boost::asio::any_io_executor ex) : sock(std::move(ex)) {}
  boost::asio::ip::tcp::socket sock;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls;
};

/// The client TLS context for o (CA, client certificate, verification). Throws
/// boost::system::system_error when a file does not load.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const cosmo_options& o);

/// Opens s (tls: the context for a cosmos:// connection, else null) and reads the welcome
/// line; returns the bytes received after it. errc::handshake_failed when TLS fails or the
/// first line is not welcome (an err line's message is logged).
boost::asio::awaitable<boost::system::result<std::string>> async_open_cosmo(
    cosmo_options o, std::shared_ptr<boost::asio::ssl::context> tls,
    std::shared_ptr<cosmo_stream> s);

}  // namespace neuromesh::synapse::detail
