// The Asio shell around broker_core: one accept loop, and per connection one reader and one
// writer coroutine, all on one strand. The writer keeps exactly one write in flight (at
// most 256 KiB: one turn); a reader whose lines filled another session's queue waits for
// it to drain before its next read (producer stall, see broker_server.h).
//
// Latency: lines routed while a reader handles one read are written at the end of that
// read, straight from the reader's turn, to every destination whose writer is idle (one
// non-blocking write each, as nats-server flushes its clients at the end of a read); only
// what the socket does not take wakes that destination's writer. An unloaded message thus
// costs the broker one read, one write and one epoll wait, with no hand-off between
// coroutines.
#include "neuromesh/synapse/broker_server.h"

#include "broker_core.h"
#include "line_framer.h"
#include "spawn_log.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <stdexcept>

namespace neuromesh::synapse {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::session_id;
namespace ssl = asio::ssl;
using namespace asio::experimental::awaitable_operators;

namespace {

using clock_type = std::chrono::steady_clock;

struct session {
  session(session_id i, tcp::socket s, std::size_t max_line)
      : id(i),
        socket(std::move(s)),
        wake(socket.get_executor()),
        resume(socket.get_executor()),
        framer(max_line) {}
  session_id id;
  tcp::socket socket;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls;  // set on a TLS broker; wraps socket
  bool open = false;          // the core knows it (plaintext: at once; TLS: after the handshake)
  asio::steady_timer wake;    // the writer sleeps on it while nothing is queued
  asio::steady_timer resume;  // the reader sleeps on it while a queue it fed is full
  // Outbound bytes: `out` collects lines; the writer swaps it with `inflight` and writes
  // that, so queueing a line is one append and the buffers are reused (no allocation).
  std::string out;
  std::string inflight;
  std::size_t inflight_done = 0;  // bytes of inflight already written
  clock_type::time_point last_progress{};
  std::vector<std::weak_ptr<session>> stall_on;  // full queues this reader fed (this turn)
  std::vector<std::weak_ptr<session>> waiters;   // readers stalled on this queue
  bool draining = false;                         // stop(): flush, then close
  bool closed = false;
  bool writer_idle = false;   // the writer sleeps on `wake` with nothing in flight
  bool flush_queued = false;  // in impl::to_flush: written at the end of this read
  // Liveness (see broker_server.h): heard = a read since the last ping tick; the reader
  // is not reading while stalled, so a stalled session is never counted silent.
  bool heard = false;
  bool stalled = false;
  bool answers_pings = false;  // it has sent {"op":"pong"} at least once
  std::size_t pings_out = 0;
  detail::line_framer framer;
  std::array<char, 64 * 1024> read_buf;

  std::size_t queued() const noexcept { return out.size() + inflight.size() - inflight_done; }
  void wake_waiters() {
    for (auto& w : waiters)
      if (auto r = w.lock()) r->resume.cancel();
    waiters.clear();
  }
};

// The server context of a TLS broker, or null without TLS.
std::unique_ptr<ssl::context> make_tls_context(const broker_options& o) {
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) {
    if (!o.tls_client_ca_file.empty())
      throw std::runtime_error("broker: a TLS client CA needs --tls-cert and --tls-key too");
    return nullptr;
  }
  if (o.tls_cert_file.empty() || o.tls_key_file.empty())
    throw std::runtime_error(
        "broker: TLS needs both a certificate (--tls-cert) and a key "
        "(--tls-key)");
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  auto check = [](boost::system::error_code ec, const char* what, const std::string& file) {
    if (ec)
      throw std::runtime_error(
          fmt::format("broker: cannot load the TLS {} '{}': {}", what, file, ec.message()));
  };
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(o.tls_cert_file, ec);
  check(ec, "certificate", o.tls_cert_file);
  ctx->use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
  check(ec, "key", o.tls_key_file);
  if (!o.tls_client_ca_file.empty()) {
    ctx->load_verify_file(o.tls_client_ca_file, ec);
    check(ec, "client CA", o.tls_client_ca_file);
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

// Best effort, never blocks: one line to a socket that is then closed (a fresh socket's
// send buffer takes it at once).
void tell_and_close(tcp::socket& socket, std::string_view line) {
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(line.data(), line.size()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace

struct broker_server::impl final : detail::broker_sink, std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, broker_options o)
      : strand(asio::make_strand(ex)),
        acceptor(strand),
        ping_timer(strand),
        opts(std::move(o)),
        tls(make_tls_context(opts)),
        core(*this) {
    core.set_max_subscriptions(opts.max_subscriptions);
    core.set_observe_signals(static_cast<bool>(opts.on_signal));
  }

  asio::strand<asio::any_io_executor> strand;
  tcp::acceptor acceptor;
  asio::steady_timer ping_timer;
  broker_options opts;
  std::unique_ptr<ssl::context> tls;
  detail::broker_core core;
  std::map<session_id, std::shared_ptr<session>> sessions;
  session* reading = nullptr;  // the session whose lines are being handled right now
  // Plaintext sessions with idle writers that got lines during the current read; written
  // directly by flush_reader_turn() (the capacity is reused).
  std::vector<std::shared_ptr<session>> to_flush;
  session_id next_id = 1;
  std::atomic<std::uint16_t> port{0};
  std::atomic<std::size_t> live_sessions{0};
  std::atomic<std::uint64_t> producer_stalls{0}, connections_rejected{0}, accept_errors{0},
      reader_errors{0}, bytes_in{0}, bytes_out{0}, pings_sent{0}, pongs_received{0},
      stale_connections{0}, tls_failures{0}, direct_writes{0};
  bool stopping = false;

  void send(session_id to, detail::out_line line) override {
    auto it = sessions.find(to);
    if (it == sessions.end()) return;
    session& s = *it->second;
    if (s.closed) return;
    if (s.queued() + line.size() > opts.max_outbound_bytes) {
      cut_slow_consumer(s, "its outbound queue would pass max_outbound_bytes");
      return;
    }
    bool was_empty = s.queued() == 0;
    s.out.append(line.head);
    s.out.append(line.tail);
    if (was_empty) {
      s.last_progress = clock_type::now();
      if (reading != nullptr && s.writer_idle && !s.tls) {
        if (!s.flush_queued) {
          s.flush_queued = true;
          to_flush.push_back(it->second);
        }
      } else {
        s.wake.cancel();
      }
    }
    // Producer stall: the session whose line caused this stops reading until s drains.
    if (reading != nullptr && s.queued() > opts.outbound_high_water &&
        (reading->stall_on.empty() || reading->stall_on.back().lock().get() != &s))
      reading->stall_on.push_back(it->second);
  }

  void on_signal(std::string_view subject, std::string_view frame) override {
    if (!opts.on_signal) return;
    try {
      opts.on_signal(subject, frame);
    } catch (const std::exception& e) {
      spdlog::warn("broker: on_signal observer threw: {}", e.what());
    }
  }

  void on_pong(session_id id) override {
    pongs_received.fetch_add(1, std::memory_order_relaxed);
    auto it = sessions.find(id);
    if (it == sessions.end()) return;
    it->second->answers_pings = true;
    it->second->pings_out = 0;
  }

  // One tick of the liveness timer (nats-server's processPingTimer).
  void ping_tick() {
    static constexpr std::string_view ping_line = "{\"op\":\"ping\"}\n";
    for (auto& [id, sp] : sessions) {
      session& s = *sp;
      if (s.closed || s.draining || !s.open) continue;
      if (s.heard || s.stalled) {  // it spoke (or we are not listening): alive
        s.heard = false;
        s.pings_out = 0;
        continue;
      }
      if (s.pings_out >= opts.max_pings_outstanding && (s.answers_pings || opts.require_pong)) {
        stale_connections.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("broker: session {} is stale ({} pings unanswered, {} ms apart{}); closing it",
                     id, s.pings_out, opts.ping_interval.count(),
                     s.answers_pings ? "; it answered pings before" : "; require_pong is set");
        close_now(s);
        continue;
      }
      ++s.pings_out;
      pings_sent.fetch_add(1, std::memory_order_relaxed);
      send(id, detail::out_line{{}, ping_line});
    }
  }

  // The end of a reader's turn: one non-blocking write of everything queued for each
  // session collected in to_flush; what the socket does not take goes to its writer.
  void flush_reader_turn() {
    for (auto& sp : to_flush) {
      session& s = *sp;
      s.flush_queued = false;
      if (s.closed || !s.writer_idle || s.out.empty()) continue;
      boost::system::error_code ec;
      std::size_t n = s.socket.write_some(asio::buffer(s.out), ec);
      if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
        close_now(s);  // the reader sees the closed socket and cleans up
        continue;
      }
      if (n > 0) {
        bytes_out.fetch_add(n, std::memory_order_relaxed);
        direct_writes.fetch_add(1, std::memory_order_relaxed);
        s.last_progress = clock_type::now();
      }
      if (n == s.out.size()) {
        s.out.clear();
        continue;
      }
      // The rest becomes the writer's in-flight buffer (no copy), from offset n.
      s.inflight.swap(s.out);
      s.inflight_done = n;
      s.writer_idle = false;
      s.wake.cancel();
    }
    to_flush.clear();
  }

  void cut_slow_consumer(session& s, std::string_view why) {
    core.count_slow_consumer();
    spdlog::warn("broker: session {} is a slow consumer ({}, {} bytes queued); closing it", s.id,
                 why, s.queued());
    close_now(s);
  }

  // Does not touch core: the reader coroutine notices the closed socket and cleans up, so
  // a close during a fan-out never invalidates the fan-out's state.
  static void close_now(session& s) {
    s.closed = true;
    boost::system::error_code ignored;
    s.socket.shutdown(tcp::socket::shutdown_both, ignored);
    s.socket.close(ignored);
    s.wake.cancel();
    s.resume.cancel();
    s.wake_waiters();
  }
};

namespace {

using impl_ptr = std::shared_ptr<broker_server::impl>;

asio::awaitable<void> async_session_writer(impl_ptr self, std::shared_ptr<session> s) {
  const std::size_t low_water = self->opts.outbound_high_water / 2;
  constexpr std::size_t max_write = 256 * 1024;  // one turn of this writer on the strand
  while (!s->closed) {
    if (s->inflight_done == s->inflight.size()) {
      s->inflight.clear();
      s->inflight_done = 0;
      if (s->out.empty()) {
        if (s->draining) break;
        s->wake.expires_at(asio::steady_timer::time_point::max());
        s->writer_idle = true;
        boost::system::error_code ec;
        co_await s->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        s->writer_idle = false;
        continue;
      }
      s->inflight.swap(s->out);
    }
    std::size_t len = std::min(max_write, s->inflight.size() - s->inflight_done);
    auto chunk = asio::buffer(s->inflight.data() + s->inflight_done, len);
    boost::system::error_code ec;
    std::size_t n = 0;
    if (s->tls)  // whole records: one composed write is the one write in flight
      n = co_await asio::async_write(*s->tls, chunk, asio::redirect_error(asio::use_awaitable, ec));
    else
      n = co_await s->socket.async_write_some(chunk, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || s->closed) break;
    s->inflight_done += n;
    self->bytes_out.fetch_add(n, std::memory_order_relaxed);
    s->last_progress = clock_type::now();
    if (!s->waiters.empty() && s->queued() <= low_water) s->wake_waiters();
  }
  s->out.clear();
  s->inflight.clear();
  s->inflight_done = 0;
  if (!s->closed) broker_server::impl::close_now(*s);
  (void)self;
}

// Waits while a queue this session fed in its last turn is over the high-water mark; cuts
// off a queue that makes no progress for slow_consumer_timeout.
asio::awaitable<void> async_producer_stall(impl_ptr self, std::shared_ptr<session> s) {
  const std::size_t low_water = self->opts.outbound_high_water / 2;
  auto stall_on = std::move(s->stall_on);
  s->stall_on.clear();
  bool counted = false;
  s->stalled = true;
  for (auto& w : stall_on) {
    while (!s->closed) {
      auto d = w.lock();
      if (!d || d->closed || d->queued() <= low_water) break;
      auto deadline = d->last_progress + self->opts.slow_consumer_timeout;
      if (clock_type::now() >= deadline) {
        self->cut_slow_consumer(*d, "no write progress while over the high-water mark");
        break;
      }
      if (!counted) self->producer_stalls.fetch_add(1, std::memory_order_relaxed);
      counted = true;
      d->waiters.push_back(s);
      d.reset();
      s->resume.expires_at(deadline);
      boost::system::error_code ec;
      co_await s->resume.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  s->stalled = false;
}

asio::awaitable<void> async_read_lines(impl_ptr self, std::shared_ptr<session> s) {
  while (!s->closed) {
    if (!s->stall_on.empty()) co_await async_producer_stall(self, s);
    if (s->closed) break;
    boost::system::error_code ec;
    std::size_t n = 0;
    if (s->tls)
      n = co_await s->tls->async_read_some(asio::buffer(s->read_buf),
                                           asio::redirect_error(asio::use_awaitable, ec));
    else
      n = co_await s->socket.async_read_some(asio::buffer(s->read_buf),
                                             asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    self->bytes_in.fetch_add(n, std::memory_order_relaxed);
    s->heard = true;
    self->reading = s.get();
    try {
      s->framer.feed(
          std::string_view(s->read_buf.data(), n),
          [&](std::string_view line) { self->core.handle_line(s->id, line); },
          [&] { self->core.line_too_long(s->id, s->framer.max_line_bytes()); });
    } catch (...) {
      self->reading = nullptr;
      self->flush_reader_turn();
      throw;
    }
    self->reading = nullptr;
    self->flush_reader_turn();
  }
}

// The session becomes known to the core (welcome is queued) and gets its writer.
void open_session(const impl_ptr& self, const std::shared_ptr<session>& s) {
  s->open = true;
  self->core.open_session(s->id);
  asio::co_spawn(self->strand, async_session_writer(self, s),
                 detail::log_exception{"broker session writer"});
}

// A TLS broker's first step with a new connection: true once the handshake is done.
// A plaintext client (silent until welcome, or whose first byte is not a TLS handshake
// record) is told in plaintext and closed; every failure is logged and counted.
asio::awaitable<bool> async_tls_accept(impl_ptr self, std::shared_ptr<session> s) {
  asio::steady_timer deadline(self->strand);
  deadline.expires_after(self->opts.tls_handshake_timeout);
  auto readable = s->socket.async_wait(tcp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
  auto expired = deadline.async_wait(asio::as_tuple(asio::use_awaitable));
  auto first = co_await (std::move(readable) || std::move(expired));
  std::string why;
  if (first.index() == 1) {
    why = fmt::format("no TLS hello within {} ms", self->opts.tls_handshake_timeout.count());
  } else {
    if (std::get<0>(std::get<0>(first))) co_return false;  // closed (stop) before a byte came
    unsigned char byte = 0;
    boost::system::error_code ec;
    std::size_t got = s->socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
    if (ec || got == 0) co_return false;  // the peer left without a word
    if (byte != 0x16) why = "it spoke plaintext";
  }
  if (!why.empty()) {
    self->tls_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("broker: connection {} is not TLS ({}); told so and closed", s->id, why);
    s->closed = true;
    tell_and_close(s->socket,
                   "{\"op\":\"err\",\"message\":\"this broker requires TLS: connect with a "
                   "cosmos:// URL\"}\n");
    co_return false;
  }
  auto handshake =
      s->tls->async_handshake(ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
  auto expired2 = deadline.async_wait(asio::as_tuple(asio::use_awaitable));
  auto done = co_await (std::move(handshake) || std::move(expired2));
  if (s->closed) co_return false;  // stop() closed it meanwhile
  if (done.index() == 1)
    why = "handshake timed out";
  else if (auto ec = std::get<0>(std::get<0>(done)))
    why = ec.message();
  if (why.empty()) co_return !s->closed;
  self->tls_failures.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("broker: TLS handshake with connection {} failed: {}; closed", s->id, why);
  broker_server::impl::close_now(*s);
  co_return false;
}

asio::awaitable<void> async_session_reader(impl_ptr self, std::shared_ptr<session> s) {
  try {
    bool ready = true;
    if (s->tls) {
      ready = co_await async_tls_accept(self, s);
      if (ready) open_session(self, s);
    }
    if (ready) co_await async_read_lines(self, s);
  } catch (const std::exception& e) {
    self->reader_errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("broker: session {} reader failed: {}; closing it", s->id, e.what());
  }
  // Always reached: a reader that threw is cleaned up like one that saw EOF.
  if (!s->closed) broker_server::impl::close_now(*s);
  if (s->open) self->core.close_session(s->id);
  self->sessions.erase(s->id);
  self->live_sessions.store(self->sessions.size(), std::memory_order_relaxed);
}

asio::awaitable<void> async_accept_loop(impl_ptr self) {
  asio::steady_timer backoff_timer(self->strand);
  std::chrono::milliseconds backoff{0};
  while (!self->stopping) {
    boost::system::error_code ec;
    tcp::socket socket(self->strand);
    co_await self->acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (self->stopping || ec == asio::error::operation_aborted) break;
      // EMFILE/ENFILE/ENOBUFS...: back off (5 ms doubling to 1 s) instead of spinning.
      self->accept_errors.fetch_add(1, std::memory_order_relaxed);
      backoff = std::min(std::chrono::milliseconds(1000),
                         std::max(std::chrono::milliseconds(5), backoff * 2));
      spdlog::warn("broker: accept failed: {}; retrying in {} ms", ec.message(), backoff.count());
      backoff_timer.expires_after(backoff);
      co_await backoff_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    backoff = std::chrono::milliseconds(0);
    if (self->opts.max_connections != 0 && self->sessions.size() >= self->opts.max_connections) {
      self->connections_rejected.fetch_add(1, std::memory_order_relaxed);
      // Plaintext even on a TLS broker: no handshake is spent on a connection refused.
      tell_and_close(socket, "{\"op\":\"err\",\"message\":\"too many connections (limit " +
                                 std::to_string(self->opts.max_connections) + ")\"}\n");
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    socket.non_blocking(true, ec);  // flush_reader_turn's writes never block the strand
    auto id = self->next_id++;
    auto s = std::make_shared<session>(id, std::move(socket), self->opts.max_line_bytes);
    self->sessions.emplace(id, s);
    self->live_sessions.store(self->sessions.size(), std::memory_order_relaxed);
    if (self->tls)
      s->tls = std::make_unique<ssl::stream<tcp::socket&>>(s->socket, *self->tls);
    else
      open_session(self, s);
    asio::co_spawn(self->strand, async_session_reader(self, s),
                   detail::log_exception{"broker session reader"});
  }
}

// The liveness timer: one for all sessions, like nats-server's per-client ping timer.
asio::awaitable<void> async_liveness(impl_ptr self) {
  while (!self->stopping) {
    self->ping_timer.expires_after(self->opts.ping_interval);
    boost::system::error_code ec;
    co_await self->ping_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (self->stopping) break;
    self->ping_tick();
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
    self->ping_timer.cancel();
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
  if (impl_->opts.ping_interval.count() > 0)
    asio::co_spawn(impl_->strand, async_liveness(impl_), detail::log_exception{"broker liveness"});
}

namespace {
asio::awaitable<void> async_stop_impl(impl_ptr self) {
  co_await asio::dispatch(asio::bind_executor(self->strand, asio::use_awaitable));
  if (!self->stopping) {
    self->stopping = true;
    boost::system::error_code ignored;
    self->acceptor.close(ignored);
    self->ping_timer.cancel();
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
  // Closed sockets end every reader at its next turn; bounded all the same.
  auto hard_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!self->sessions.empty() && std::chrono::steady_clock::now() < hard_deadline) {
    timer.expires_after(std::chrono::milliseconds(1));
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (!self->sessions.empty())
    spdlog::warn("broker: stop returned with {} sessions still winding down",
                 self->sessions.size());
}
}  // namespace

asio::awaitable<void> broker_server::async_stop() { return async_stop_impl(impl_); }

std::uint16_t broker_server::port() const noexcept { return impl_->port.load(); }

std::string broker_server::url() const {
  return (impl_->tls ? "cosmos://" : "cosmo://") + impl_->opts.host + ":" + std::to_string(port());
}

broker_stats broker_server::stats() const noexcept {
  auto st = impl_->core.stats();
  auto r = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  st.producer_stalls = r(impl_->producer_stalls);
  st.connections_rejected = r(impl_->connections_rejected);
  st.accept_errors = r(impl_->accept_errors);
  st.reader_errors = r(impl_->reader_errors);
  st.bytes_in = r(impl_->bytes_in);
  st.bytes_out = r(impl_->bytes_out);
  st.pings_sent = r(impl_->pings_sent);
  st.pongs_received = r(impl_->pongs_received);
  st.stale_connections = r(impl_->stale_connections);
  st.tls_failures = r(impl_->tls_failures);
  st.direct_writes = r(impl_->direct_writes);
  return st;
}

std::size_t broker_server::session_count() const noexcept {
  return impl_->live_sessions.load(std::memory_order_relaxed);
}

}  // namespace neuromesh::synapse
