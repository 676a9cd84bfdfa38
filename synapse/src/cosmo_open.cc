#include "cosmo_open.h"

#include "neuromesh/synapse/errc.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

namespace neuromesh::synapse::detail {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

// The broker's first line must be welcome; an err (too many connections, TLS required)
// is logged with its message.
bool is_welcome(std::string_view line, const std::string& where) {
  boost::system::error_code ec;
  auto v = boost::json::parse(line, ec);
  const auto* o = !ec && v.is_object() ? &v.get_object() : nullptr;
  const auto* op = o ? o->if_contains("op") : nullptr;
  if (op && op->is_string() && op->get_string() == "welcome") return true;
  const auto* m = o ? o->if_contains("message") : nullptr;
  if (op && op->is_string() && op->get_string() == "err" && m && m->is_string())
    spdlog::warn("cosmo: {} refused the connection: {}", where, std::string(m->get_string()));
  else
    spdlog::warn("cosmo: {} did not start with welcome but with: {:.200}", where, line);
  return false;
}

}  // namespace

std::shared_ptr<ssl::context> make_client_tls_context(const cosmo_options& o) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (!o.tls_verify) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    if (o.tls_ca_file.empty())
      ctx->set_default_verify_paths();
    else
      ctx->load_verify_file(o.tls_ca_file);
    ctx->set_verify_mode(ssl::verify_peer);
  }
  if (!o.tls_cert_file.empty()) {
    ctx->use_certificate_chain_file(o.tls_cert_file);
    ctx->use_private_key_file(o.tls_key_file.empty() ? o.tls_cert_file : o.tls_key_file,
                              ssl::context::pem);
  }
  return ctx;
}

asio::awaitable<boost::system::result<std::string>> async_open_cosmo(
    cosmo_options o, std::shared_ptr<ssl::context> tls, std::shared_ptr<cosmo_stream> s) {
  const std::string where =
      (o.tls ? "cosmos://" : "cosmo://") + o.host + ":" + std::to_string(o.port);
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(o.host, std::to_string(o.port),
                                                          asio::as_tuple(asio::use_awaitable));
  if (rec) co_return rec;
  asio::steady_timer deadline(ex);
  deadline.expires_after(o.connect_timeout);
  auto connecting = asio::async_connect(s->sock, endpoints, asio::as_tuple(asio::use_awaitable));
  auto expired = deadline.async_wait(asio::as_tuple(asio::use_awaitable));
  auto connected = co_await (std::move(connecting) || std::move(expired));
  if (connected.index() == 1) co_return asio::error::timed_out;
  if (auto ec = std::get<0>(std::get<0>(connected))) co_return ec;
  boost::system::error_code ignored;
  s->sock.set_option(tcp::no_delay(true), ignored);

  if (o.tls) {
    s->tls = std::make_unique<ssl::stream<tcp::socket&>>(s->sock, *tls);
    const std::string& name = o.tls_server_name.empty() ? o.host : o.tls_server_name;
    boost::system::error_code not_ip;
    (void)asio::ip::make_address(name, not_ip);
    if (not_ip)  // SNI carries names only
      SSL_set_tlsext_host_name(s->tls->native_handle(), name.c_str());
    if (o.tls_verify) s->tls->set_verify_callback(ssl::host_name_verification(name));
    auto handshake =
        s->tls->async_handshake(ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
    auto expired2 = deadline.async_wait(asio::as_tuple(asio::use_awaitable));
    auto done = co_await (std::move(handshake) || std::move(expired2));
    std::string why;
    if (done.index() == 1)
      why = "timed out";
    else if (auto hec = std::get<0>(std::get<0>(done)))
      why = hec.message();
    if (!why.empty()) {
      bool cert = why.find("certificate") != std::string::npos;
      spdlog::warn("cosmo: TLS handshake with {} failed: {}{}", where, why,
                   cert ? "" : " (is it a plaintext cosmo:// broker?)");
      co_return make_error_code(errc::handshake_failed);
    }
  }

  std::string buf;
  std::size_t n = 0;
  auto expired3 = deadline.async_wait(asio::as_tuple(asio::use_awaitable));
  if (s->tls) {
    auto line = asio::async_read_until(*s->tls, asio::dynamic_buffer(buf), '\n',
                                       asio::as_tuple(asio::use_awaitable));
    auto welcome = co_await (std::move(line) || std::move(expired3));
    if (welcome.index() == 0 && !std::get<0>(std::get<0>(welcome)))
      n = std::get<1>(std::get<0>(welcome));
  } else {
    auto line = asio::async_read_until(s->sock, asio::dynamic_buffer(buf), '\n',
                                       asio::as_tuple(asio::use_awaitable));
    auto welcome = co_await (std::move(line) || std::move(expired3));
    if (welcome.index() == 0 && !std::get<0>(std::get<0>(welcome)))
      n = std::get<1>(std::get<0>(welcome));
  }
  if (n == 0) {
    spdlog::warn("cosmo: no welcome line from {}{}", where,
                 o.tls ? "" : " (a TLS-only broker needs a cosmos:// URL)");
    co_return make_error_code(errc::handshake_failed);
  }
  if (!is_welcome(std::string_view(buf).substr(0, n - 1), where))
    co_return make_error_code(errc::handshake_failed);
  co_return buf.substr(n);
}

}  // namespace neuromesh::synapse::detail
