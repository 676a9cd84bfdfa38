// The catalog server: acceptor, TLS, sweep timer and the phased stop around the sessions.
#include "neuromesh/catalog/server.h"

#include "session.h"
#include "session_loop.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace neuromesh::catalog {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

// Completion handler of every spawned coroutine: an exception is a bug; log it.
void log_failure(const char* what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::error("catalog server: {} ended with an error: {}", what, x.what());
  }
}

void log_session_end(std::exception_ptr e) { log_failure("session", e); }
void log_accept_end(std::exception_ptr e) { log_failure("acceptor", e); }
void log_sweep_end(std::exception_ptr e) { log_failure("sweeper", e); }
void log_idle_end(std::exception_ptr e) { log_failure("idle check", e); }
void log_stop_end(std::exception_ptr e) { log_failure("stop", e); }

asio::awaitable<void> run_tls_session(beast::tcp_stream stream, std::shared_ptr<ssl::context> ctx,
                                      std::shared_ptr<detail::server_shared> shared) {
  auto client = detail::peer_address(stream.socket());
  beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *ctx);
  auto handle = std::make_shared<detail::session_handle>();
  handle->executor = tls.get_executor();
  handle->inbox = shared->inbox_for(handle->executor);
  handle->stream = &beast::get_lowest_layer(tls);
  detail::session_registration reg(*shared, handle);
  beast::get_lowest_layer(tls).expires_after(shared->options.idle_timeout);
  auto [ec] =
      co_await tls.async_handshake(ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    spdlog::debug("catalog server: TLS handshake with {} failed: {}", client, ec.message());
    co_return;
  }
  beast::flat_buffer buffer;
  co_await detail::serve_requests(&tls, &buffer, shared.get(), handle.get(), client);
  beast::get_lowest_layer(tls).expires_after(std::chrono::seconds(2));
  co_await tls.async_shutdown(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

struct server::impl {
  impl(catalog_service& service, server_options opts)
      : shared(std::make_shared<detail::server_shared>(service, std::move(opts))),
        workers(make_workers(shared->options.threads)),
        ioc(*workers[0]),
        acceptor(ioc),
        sweep_timer(ioc),
        idle_timer(ioc),
        signals(ioc) {
    for (auto& w : workers) {
      guards.emplace_back(asio::make_work_guard(*w));
      shared->inboxes.push_back(std::make_shared<detail::completion_inbox>(*w));
    }
  }

  // One single-threaded io_context per thread: a connection lives on one of them, so it
  // needs no strand and its handlers never bounce between cores.
  static std::vector<std::unique_ptr<asio::io_context>> make_workers(unsigned n) {
    if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (unsigned i = 0; i < n; ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }
  asio::io_context& next_worker() { return *workers[next++ % workers.size()]; }

  std::shared_ptr<detail::server_shared> shared;
  std::vector<std::unique_ptr<asio::io_context>> workers;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::size_t next = 0;
  asio::io_context& ioc;  ///< workers[0]: acceptor, sweep timer, signals, the stop
  std::shared_ptr<ssl::context> tls;
  tcp::acceptor acceptor;
  asio::steady_timer sweep_timer;
  asio::steady_timer idle_timer;
  asio::signal_set signals;
  std::atomic<bool> stop_requested{false};

  static asio::awaitable<void> accept_loop(impl* self);
  static asio::awaitable<void> sweep_loop(impl* self);
  static asio::awaitable<void> idle_loop(impl* self);
  static asio::awaitable<void> phased_stop(impl* self);
  void begin_stop();
};

asio::awaitable<void> server::impl::accept_loop(impl* self) {
  for (;;) {
    auto [ec, socket] = co_await self->acceptor.async_accept(self->next_worker(),
                                                             asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || self->shared->stopping) co_return;
      spdlog::warn("catalog server: accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    auto executor = socket.get_executor();
    beast::tcp_stream stream(std::move(socket));
    if (self->tls) {
      asio::co_spawn(executor, run_tls_session(std::move(stream), self->tls, self->shared),
                     log_session_end);
    } else {
      asio::co_spawn(executor, detail::run_plain_session(std::move(stream), self->shared),
                     log_session_end);
    }
  }
}

asio::awaitable<void> server::impl::sweep_loop(impl* self) {
  for (;;) {
    self->sweep_timer.expires_after(self->shared->options.purge_interval);
    auto [ec] = co_await self->sweep_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || self->shared->stopping) co_return;
    // The mirror changes at once; the store writes commit on the writer thread.
    auto r = co_await detail::await_sweep(self->shared->service);
    spdlog::info("catalog sweep: {} marked inactive, {} garbage-collected, {} live{}",
                 r.marked_inactive, r.garbage_collected, self->shared->service.live_instances(),
                 r.store_ok ? ""
                            : " (store write failed: the store catches up when a restart's "
                              "sweep finds the same records)");
  }
}

// The coarse idle check: every period, each session checks (on its own io_context) whether
// its read or write has waited longer than idle_timeout. One post per connection per
// period replaces a deadline timer armed and cancelled around every read and write.
asio::awaitable<void> server::impl::idle_loop(impl* self) {
  auto& shared = *self->shared;
  const auto timeout = shared.options.idle_timeout;
  for (;;) {
    self->idle_timer.expires_after(detail::idle_check_period(timeout));
    auto [ec] = co_await self->idle_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || shared.stopping) co_return;
    std::lock_guard lock(shared.sessions_mu);
    for (const auto& h : shared.sessions) {
      asio::post(h->executor, [h, timeout] { detail::close_if_idle(*h, timeout); });
    }
  }
}

asio::awaitable<void> server::impl::phased_stop(impl* self) {
  auto& shared = *self->shared;
  // Phase 1: no new connections, no more sweeps.
  beast::error_code ec;
  self->acceptor.close(ec);
  self->sweep_timer.cancel();
  self->idle_timer.cancel();
  self->signals.cancel();
  // Phase 2: idle connections close now; busy ones finish their request, then close.
  {
    std::lock_guard lock(shared.sessions_mu);
    for (const auto& h : shared.sessions) {
      asio::post(h->executor, [h] {
        if (h->feed) h->feed->close();
        if (!h->closed && !h->busy && h->stream && !h->feed) h->stream->socket().cancel();
      });
    }
  }
  // Phase 3: wait (bounded) for the sessions to drain, then stop everything.
  asio::steady_timer timer(self->ioc);
  auto deadline = std::chrono::steady_clock::now() + shared.options.shutdown_grace;
  for (;;) {
    {
      std::lock_guard lock(shared.sessions_mu);
      if (shared.sessions.empty()) break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      spdlog::warn("catalog server: closing {} connections still open after the grace period",
                   shared.sessions.size());
      break;
    }
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(asio::use_awaitable);
  }
  self->guards.clear();
  for (auto& w : self->workers) w->stop();
}

void server::impl::begin_stop() {
  if (stop_requested.exchange(true)) return;
  shared->stopping = true;
  asio::co_spawn(ioc, phased_stop(this), log_stop_end);
}

server::server(catalog_service& service, server_options options)
    : impl_(std::make_unique<impl>(service, std::move(options))) {
  const auto& o = impl_->shared->options;
  if (o.tls_cert_file.has_value() != o.tls_key_file.has_value()) {
    throw std::runtime_error(
        "TLS needs both a certificate and a key (--ssl-certfile with --ssl-keyfile)");
  }
  if (o.tls_client_ca_file && !o.tls_cert_file) {
    throw std::runtime_error(
        "a client CA (--ssl-client-ca) needs --ssl-certfile and --ssl-keyfile");
  }
  if (o.tls_cert_file) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    try {
      ctx->use_certificate_chain_file(*o.tls_cert_file);
      ctx->use_private_key_file(*o.tls_key_file, ssl::context::pem);
      if (o.tls_client_ca_file) {
        ctx->load_verify_file(*o.tls_client_ca_file);
        ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      }
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("TLS setup failed: ") + e.what());
    }
    impl_->tls = std::move(ctx);
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) throw std::runtime_error("bad --host '" + o.host + "': " + ec.message());
  tcp::endpoint ep(address, o.port);
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol());
  acc.set_option(asio::socket_base::reuse_address(true));
  acc.bind(ep, ec);
  if (ec)
    throw std::runtime_error("cannot bind " + o.host + ":" + std::to_string(o.port) + ": " +
                             ec.message());
  acc.listen(asio::socket_base::max_listen_connections);
}

server::~server() = default;

std::uint16_t server::port() const noexcept {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

bool server::tls() const noexcept { return impl_->tls != nullptr; }

void server::run() {
  auto* self = impl_.get();
  asio::co_spawn(self->ioc, impl::accept_loop(self), log_accept_end);
  asio::co_spawn(self->ioc, impl::sweep_loop(self), log_sweep_end);
  asio::co_spawn(self->ioc, impl::idle_loop(self), log_idle_end);
  if (self->shared->options.handle_signals) {
    self->signals.add(SIGINT);
    self->signals.add(SIGTERM);
    self->signals.async_wait([self](const beast::error_code& ec, int sig) {
      if (ec) return;
      spdlog::info("catalog server: signal {}; stopping", sig);
      self->begin_stop();
    });
  }
  std::vector<std::thread> extra;
  for (std::size_t i = 1; i < self->workers.size(); ++i) {
    extra.emplace_back([w = self->workers[i].get()] { w->run(); });
  }
  self->ioc.run();
  for (auto& t : extra) t.join();
}

void server::stop() {
  auto* self = impl_.get();
  asio::post(self->ioc, [self] { self->begin_stop(); });
}

}  // namespace neuromesh::catalog
