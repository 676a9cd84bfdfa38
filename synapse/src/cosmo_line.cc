#include "neuromesh/synapse/cosmo_line.h"

#include "cosmo_open.h"
#include "neuromesh/synapse/errc.h"

#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace neuromesh::synapse {

namespace asio = boost::asio;

struct cosmo_line::impl {
  std::shared_ptr<asio::ssl::context> tls;  // outlives the stream that uses it
  std::shared_ptr<detail::cosmo_stream> stream;
  std::string buf;  // received, not yet returned
};

namespace {

asio::awaitable<bool> async_write_line(std::shared_ptr<cosmo_line::impl> i, std::string line) {
  line += '\n';
  boost::system::error_code ec;
  if (i->stream->tls)
    co_await asio::async_write(*i->stream->tls, asio::buffer(line),
                               asio::redirect_error(asio::use_awaitable, ec));
  else
    co_await asio::async_write(i->stream->sock, asio::buffer(line),
                               asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

}  // namespace

asio::awaitable<boost::system::result<std::shared_ptr<cosmo_line>>> cosmo_line::async_open(
    cosmo_options o) {
  auto i = std::make_shared<impl>();
  if (o.tls) {
    try {
      i->tls = detail::make_client_tls_context(o);
    } catch (const std::exception& e) {
      spdlog::warn("cosmo: TLS setup for {}:{} failed: {}", o.host, o.port, e.what());
      co_return make_error_code(errc::handshake_failed);
    }
  }
  auto ex = co_await asio::this_coro::executor;
  i->stream = std::make_shared<detail::cosmo_stream>(ex);
  auto opened = co_await detail::async_open_cosmo(o, i->tls, i->stream);
  if (!opened) co_return opened.error();
  i->buf = std::move(*opened);
  co_return std::make_shared<cosmo_line>(std::move(i));
}

asio::awaitable<bool> cosmo_line::async_send_line(std::string line) {
  return async_write_line(impl_, std::move(line));
}

asio::awaitable<std::optional<std::string>> cosmo_line::async_read_line() {
  auto i = impl_;
  while (true) {
    boost::system::error_code ec;
    std::size_t n = 0;
    if (i->stream->tls)
      n = co_await asio::async_read_until(*i->stream->tls, asio::dynamic_buffer(i->buf), '\n',
                                          asio::redirect_error(asio::use_awaitable, ec));
    else
      n = co_await asio::async_read_until(i->stream->sock, asio::dynamic_buffer(i->buf), '\n',
                                          asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return std::nullopt;
    std::string line = i->buf.substr(0, n - 1);
    i->buf.erase(0, n);
    if (line != R"({"op":"ping"})") co_return line;
    std::string pong = R"({"op":"pong"})";
    bool sent = co_await async_write_line(i, std::move(pong));
    if (!sent) co_return std::nullopt;
  }
}

void cosmo_line::close() noexcept {
  boost::system::error_code ignored;
  impl_->stream->sock.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  impl_->stream->sock.close(ignored);
}

}  // namespace neuromesh::synapse
