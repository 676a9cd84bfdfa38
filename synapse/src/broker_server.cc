// The Asio shell around broker_core: one accept loop, and per connection one reader and one
// writer coroutine, all on one strand. The writer keeps exactly one write in flight and
// gathers every queued line into it.
#include "neuromesh/synapse/broker_server.h"

#include "broker_core.h"
#include "line_framer.h"
#include "spawn_log.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <deque>
#include <map>

namespace neuromesh::synapse {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::session_id;

namespace {

struct session {
  session(session_id i, tcp::socket s, std::size_t max_line)
      : id(i), socket(std::move(s)), wake(socket.get_executor()), framer(max_line) {}
  session_id id;
  tcp::socket socket;
  asio::steady_timer wake;  // the writer sleeps on it while the queue is empty
  std::deque<detail::out_line> queue;
  std::size_t queued_bytes = 0;
  bool draining = false;  // stop(): flush the queue, then close
  bool closed = false;
  detail::line_framer framer;
  std::array<char, 64 * 1024> read_buf;
};

}  // namespace

struct broker_server::impl final : detail::broker_sink, std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, broker_options o)
      : strand(asio::make_strand(ex)), acceptor(strand), opts(std::move(o)), core(*this) {}

  asio::strand<asio::any_io_executor> strand;
  tcp::acceptor acceptor;
  broker_options opts;
  detail::broker_core core;
  std::map<session_id, std::shared_ptr<session>> sessions;
  session_id next_id = 1;
  std::atomic<std::uint16_t> port{0};
  std::atomic<std::size_t> live_sessions{0};
  std::atomic<std::uint64_t> bytes_in{0}, bytes_out{0};
  bool stopping = false;

  void send(session_id to, detail::out_line line) override {
    auto it = sessions.find(to);
    if (it == sessions.end()) return;
    session& s = *it->second;
    if (s.closed) return;
    if (s.queued_bytes + line.size() > opts.max_outbound_bytes) {
      // Slow consumer: cut it off so it never delays anyone else (see broker_server.h).
      core.count_slow_consumer();
      spdlog::warn("broker: session {} exceeded its {} byte outbound queue; closing it", s.id,
                   opts.max_outbound_bytes);
      close_now(s);
      return;
    }
    s.queued_bytes += line.size();
    s.queue.push_back(std::move(line));
    if (s.queue.size() == 1) s.wake.cancel();
  }

  void on_signal(std::string_view subject, std::string_view frame) override {
    if (!opts.on_signal) return;
    try {
      opts.on_signal(subject, frame);
    } catch (const std::exception& e) {
      spdlog::warn("broker: on_signal observer threw: {}", e.what());
    }
  }

  // Does not touch core: the reader coroutine notices the closed socket and cleans up, so
  // a close during a fan-out never invalidates the fan-out's state.
  static void close_now(session& s) {
    s.closed = true;
    boost::system::error_code ignored;
    s.socket.shutdown(tcp::socket::shutdown_both, ignored);
    s.socket.close(ignored);
    s.wake.cancel();
  }
};

namespace {

using impl_ptr = std::shared_ptr<broker_server::impl>;

asio::awaitable<void> async_session_writer(impl_ptr self, std::shared_ptr<session> s) {
  std::vector<asio::const_buffer> buffers;
  while (!s->closed) {
    if (s->queue.empty()) {
      if (s->draining) break;
      s->wake.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ec;
      co_await s->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    buffers.clear();
    std::size_t count = 0, bytes = 0;
    for (const auto& line : s->queue) {
      if (line.shared) buffers.emplace_back(asio::buffer(*line.shared));
      buffers.emplace_back(asio::buffer(line.own));
      ++count;
      bytes += line.size();
      if (count == 256 || bytes >= 256 * 1024) break;
    }
    boost::system::error_code ec;
    co_await asio::async_write(s->socket, buffers, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || s->closed) break;
    self->bytes_out.fetch_add(bytes, std::memory_order_relaxed);
    for (std::size_t i = 0; i < count; ++i) s->queue.pop_front();
    s->queued_bytes -= bytes;
  }
  s->queue.clear();
  s->queued_bytes = 0;
  if (!s->closed) broker_server::impl::close_now(*s);
  (void)self;
}

asio::awaitable<void> async_session_reader(impl_ptr self, std::shared_ptr<session> s) {
  while (!s->closed) {
    boost::system::error_code ec;
    std::size_t n = co_await s->socket.async_read_some(
        asio::buffer(s->read_buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    self->bytes_in.fetch_add(n, std::memory_order_relaxed);
    s->framer.feed(
        std::string_view(s->read_buf.data(), n),
        [&](std::string_view line) { self->core.handle_line(s->id, line); },
        [&] { self->core.line_too_long(s->id, s->framer.max_line_bytes()); });
  }
  if (!s->closed) broker_server::impl::close_now(*s);
  self->core.close_session(s->id);
  self->sessions.erase(s->id);
  self->live_sessions.store(self->sessions.size(), std::memory_order_relaxed);
}

asio::awaitable<void> async_accept_loop(impl_ptr self) {
  while (!self->stopping) {
    boost::system::error_code ec;
    tcp::socket socket(self->strand);
    co_await self->acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (self->stopping || ec == asio::error::operation_aborted) break;
      spdlog::warn("broker: accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto id = self->next_id++;
    auto s = std::make_shared<session>(id, std::move(socket), self->opts.max_line_bytes);
    self->sessions.emplace(id, s);
    self->live_sessions.store(self->sessions.size(), std::memory_order_relaxed);
    self->core.open_session(id);
    asio::co_spawn(self->strand, async_session_writer(self, s),
                   detail::log_exception{"broker session writer"});
    asio::co_spawn(self->strand, async_session_reader(self, s),
                   detail::log_exception{"broker session reader"});
  }
}

}  // namespace

broker_server::broker_server(asio::any_io_executor ex, broker_options options)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(options))) {}

broker_server::~broker_server() {
  // Whatever is still open is closed on the strand; coroutines keep impl alive until then.
  asio::post(impl_->strand, [self = impl_] {
    self->stopping = true;
    boost::system::error_code ignored;
    self->acceptor.close(ignored);
    for (auto& [id, s] : self->sessions) broker_server::impl::close_now(*s);
  });
}

boost::system::error_code broker_server::listen() {
  boost::system::error_code ec;
  tcp::resolver resolver(impl_->strand);
  auto results = resolver.resolve(impl_->opts.host, std::to_string(impl_->opts.port), ec);
  if (ec) return ec;
  tcp::endpoint ep = results.begin()->endpoint();
  auto& acc = impl_->acceptor;
  if (acc.open(ep.protocol(), ec)) return ec;
  acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (acc.bind(ep, ec)) return ec;
  if (acc.listen(asio::socket_base::max_listen_connections, ec)) return ec;
  impl_->port.store(acc.local_endpoint(ec).port());
  return ec;
}

void broker_server::start() {
  asio::co_spawn(impl_->strand, async_accept_loop(impl_),
                 detail::log_exception{"broker accept loop"});
}

namespace {
asio::awaitable<void> async_stop_impl(impl_ptr self) {
  co_await asio::dispatch(asio::bind_executor(self->strand, asio::use_awaitable));
  if (!self->stopping) {
    self->stopping = true;
    boost::system::error_code ignored;
    self->acceptor.close(ignored);
    for (auto& [id, s] : self->sessions) {
      s->draining = true;
      s->wake.cancel();
    }
  }
  // Phase two: a bounded wait for the writers to flush, then close what is left.
  asio::steady_timer timer(self->strand);
  auto deadline = std::chrono::steady_clock::now() + self->opts.stop_grace;
  while (!self->sessions.empty() && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(5));
    co_await timer.async_wait(asio::use_awaitable);
  }
  for (auto& [id, s] : self->sessions) broker_server::impl::close_now(*s);
  while (!self->sessions.empty()) {
    timer.expires_after(std::chrono::milliseconds(1));
    co_await timer.async_wait(asio::use_awaitable);
  }
}
}  // namespace

asio::awaitable<void> broker_server::async_stop() { return async_stop_impl(impl_); }

std::uint16_t broker_server::port() const noexcept { return impl_->port.load(); }

std::string broker_server::url() const {
  return "cosmo://" + impl_->opts.host + ":" + std::to_string(port());
}

broker_stats broker_server::stats() const noexcept {
  auto s = impl_->core.stats();
  s.bytes_in = impl_->bytes_in.load(std::memory_order_relaxed);
  s.bytes_out = impl_->bytes_out.load(std::memory_order_relaxed);
  return s;
}

std::size_t broker_server::session_count() const noexcept {
  return impl_->live_sessions.load(std::memory_order_relaxed);
}

}  // namespace neuromesh::synapse
