#include "neuromesh/catalog/catalog_client.h"

#include "neuromesh/catalog/errc.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <stdexcept>

namespace neuromesh::catalog {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using tcp = asio::ip::tcp;

struct parsed_url {
  bool https = false;
  std::string host;
  std::string port;
  std::string prefix;  ///< path prefix without trailing slash
};

parsed_url parse_url(const std::string& url) {
  parsed_url u;
  std::string rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    u.https = true;
    rest = url.substr(8);
  } else {
    throw std::invalid_argument("registry URL must start with http:// or https://: " + url);
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.prefix = rest.substr(slash);
  while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
  if (authority.starts_with('[')) {  // [v6]:port
    auto close = authority.find(']');
    if (close == std::string::npos) throw std::invalid_argument("bad IPv6 host in " + url);
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      u.port = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = authority.substr(colon + 1);
  }
  if (u.host.empty()) throw std::invalid_argument("registry URL has no host: " + url);
  if (u.port.empty()) u.port = u.https ? "443" : "80";
  return u;
}

client_error transport_error(const beast::error_code& ec, const std::string& what) {
  return {errc::transport_failed, 0, what + ": " + ec.message()};
}

}  // namespace

void throw_exception_from_error(const client_error& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

struct catalog_client::impl {
  client_options options;
  parsed_url url;
  std::shared_ptr<ssl::context> tls;

  struct exchange_state {
    impl* self;
    std::string method;
    std::string target;
    std::optional<std::string> body;
    client_result<http_reply> result = client_error{errc::transport_failed, 0, "not run"};
  };

  template <class Stream>
  static asio::awaitable<void> talk(Stream* stream_p, exchange_state* st_p) {
    auto& stream = *stream_p;
    auto& st = *st_p;
    auto* self = st.self;
    http::request<http::string_body> req{http::string_to_verb(st.method), st.target, 11};
    req.set(http::field::host, self->url.host);
    req.set(http::field::user_agent, "neuromesh-catalog-client");
    if (self->options.api_key) req.set("X-API-Key", *self->options.api_key);
    if (st.body) {
      req.set(http::field::content_type, "application/json");
      req.body() = *st.body;
    }
    req.keep_alive(false);
    req.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    (void)wn;
    if (wec) {
      st.result = transport_error(wec, "send");
      co_return;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    auto [rec, rn] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    (void)rn;
    if (rec) {
      st.result = transport_error(rec, "receive");
      co_return;
    }
    http_reply reply{parser.get().result_int(), std::move(parser.get().body()), {}};
    for (const auto& field : parser.get()) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      reply.headers[name] = std::string(field.value());
    }
    st.result = std::move(reply);
  }

  static asio::awaitable<void> run(exchange_state* st_p) {
    auto& st = *st_p;
    auto* self = st.self;
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    auto [ec, endpoints] = co_await resolver.async_resolve(self->url.host, self->url.port,
                                                           asio::as_tuple(asio::use_awaitable));
    if (ec) {
      st.result = transport_error(ec, "resolve " + self->url.host);
      co_return;
    }
    beast::tcp_stream tcp_stream(ex);
    tcp_stream.expires_after(self->options.timeout);
    auto [cec, ep] =
        co_await tcp_stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
    (void)ep;
    if (cec) {
      st.result = transport_error(cec, "connect " + self->url.host + ":" + self->url.port);
      co_return;
    }
    if (!self->tls) {
      co_await talk(&tcp_stream, &st);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *self->tls);
    SSL_set_tlsext_host_name(stream.native_handle(), self->url.host.c_str());
    stream.set_verify_callback(ssl::host_name_verification(self->url.host));
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client,
                                                 asio::as_tuple(asio::use_awaitable));
    if (hec) {
      st.result = transport_error(hec, "TLS handshake");
      co_return;
    }
    co_await talk(&stream, &st);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
  }
};

// Completion of the one exchange coroutine: failures are already recorded in the state.
static void ignore_completion(std::exception_ptr) {}

catalog_client::catalog_client(client_options options) : impl_(std::make_unique<impl>()) {
  impl_->url = parse_url(options.registry_url);
  impl_->options = std::move(options);
  if (impl_->url.https) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    if (impl_->options.ca_file) {
      ctx->load_verify_file(*impl_->options.ca_file);
    } else {
      ctx->set_default_verify_paths();
    }
    ctx->set_verify_mode(ssl::verify_peer);
    if (impl_->options.cert_file) {
      // mTLS: the certificate (chain) and key this client proves itself with.
      ctx->use_certificate_chain_file(*impl_->options.cert_file);
      ctx->use_private_key_file(impl_->options.key_file.value_or(*impl_->options.cert_file),
                                ssl::context::pem);
    }
    impl_->tls = std::move(ctx);
  }
}

catalog_client::~catalog_client() = default;
catalog_client::catalog_client(catalog_client&&) noexcept = default;
catalog_client& catalog_client::operator=(catalog_client&&) noexcept = default;

client_result<http_reply> catalog_client::exchange(const std::string& method,
                                                   const std::string& path,
                                                   const std::optional<std::string>& body) {
  impl::exchange_state st{impl_.get(), method, impl_->url.prefix + path, body};
  asio::io_context ioc;
  asio::co_spawn(ioc, impl::run(&st), ignore_completion);
  ioc.run();
  return std::move(st.result);
}

namespace {
client_result<std::string> expect_2xx(client_result<http_reply> r) {
  if (!r) return r.error();
  if (r->status < 200 || r->status >= 300) {
    return client_error{errc::unexpected_status, r->status,
                        "HTTP " + std::to_string(r->status) + ": " + r->body};
  }
  return std::move(r->body);
}
}  // namespace

client_result<std::string> catalog_client::get(const std::string& path) {
  return expect_2xx(exchange("GET", path, std::nullopt));
}

client_result<void> catalog_client::register_instance(const announcement& a) {
  json::object o;
  o["instance_id"] = a.instance_id;
  o["name"] = a.name;
  o["version"] = a.version;
  o["host"] = a.host;
  o["heartbeat_interval"] = std::chrono::duration<double>(a.heartbeat_interval).count();
  o["generation"] = a.generation;
  auto r = expect_2xx(exchange("POST", "/instances", json::serialize(o)));
  if (!r) return r.error();
  return update_tools(a.instance_id, a.tools);
}

client_result<heartbeat_reply> catalog_client::heartbeat(const announcement& a) {
  json::object o;
  o["name"] = a.name;
  o["version"] = a.version;
  o["host"] = a.host;
  o["heartbeat_interval"] = std::chrono::duration<double>(a.heartbeat_interval).count();
  o["generation"] = a.generation;
  auto r = expect_2xx(
      exchange("POST", "/instances/" + a.instance_id + "/heartbeat", json::serialize(o)));
  if (!r) return r.error();
  boost::system::error_code ec;
  auto v = json::parse(*r, ec);
  if (ec || !v.is_object() || !v.as_object().contains("status") || !v.at("status").is_string()) {
    return client_error{errc::bad_response, 200, "heartbeat reply is not {\"status\":...}: " + *r};
  }
  return v.at("status").get_string() == "refresh" ? heartbeat_reply::refresh : heartbeat_reply::ack;
}

client_result<void> catalog_client::update_tools(const std::string& instance_id,
                                                 const json::array& tools) {
  json::object o;
  o["tools"] = tools;
  auto r = expect_2xx(exchange("POST", "/instances/" + instance_id + "/tools", json::serialize(o)));
  if (!r) return r.error();
  return {};
}

client_result<void> catalog_client::deregister(const std::string& instance_id) {
  auto r = expect_2xx(exchange("DELETE", "/instances/" + instance_id, std::nullopt));
  if (!r) return r.error();
  return {};
}

}  // namespace neuromesh::catalog
