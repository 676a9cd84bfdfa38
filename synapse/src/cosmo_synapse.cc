// The cosmo:// client. Everything touching the connection runs on one strand: the public
// coroutines hop onto it, and the internal coroutines (open, run, writer) are spawned on it.
// One long-lived run task owns reading and reconnecting; each connection has its own writer
// with one write in flight and its own outbound queue, so a dropped connection's buffers die
// with it.
//
// Latency: a line queued while the writer sleeps with nothing queued (plaintext) is written
// at once from the caller's turn with one non-blocking write, and the writer is woken only
// to mark the end of that turn: lines queued before it runs are coalesced into its next
// write. A lone request thus reaches the socket without a hand-off between coroutines,
// and a burst still costs one write per writer turn.
#include "neuromesh/synapse/cosmo_synapse.h"

#include "cosmo_open.h"
#include "delivery.h"
#include "line_framer.h"
#include "neuromesh/protocol/codec.h"
#include "neuromesh/synapse/errc.h"
#include "neuromesh/synapse/py_json.h"
#include "spawn_log.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <deque>
#include <map>
#include <random>

namespace neuromesh::synapse {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::subscriber;
namespace ssl = asio::ssl;
using namespace asio::experimental::awaitable_operators;

namespace {

struct connection {
  connection(asio::any_io_executor ex, std::size_t max_line)
      : stream(ex), wake(ex), drained(ex), ping_timer(ex), framer(max_line) {}
  detail::cosmo_stream stream;    // socket, wrapped in TLS for cosmos://
  asio::steady_timer wake;        // the writer sleeps on it
  asio::steady_timer drained;     // publishers wait on it while the queue is full
  asio::steady_timer ping_timer;  // client-side liveness (async_liveness)
  bool heard = false;             // a read since the last liveness look
  std::size_t pings_out = 0;      // pings sent since the broker last said anything
  std::deque<std::string> out;
  std::size_t out_bytes = 0;
  bool writer_idle = false;  // the writer sleeps on `wake` with nothing in flight
  detail::line_framer framer;
  std::array<char, 64 * 1024> read_buf;
  bool dead = false;
};

std::string random_hex32() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(32, '0');
  for (int half = 0; half < 2; ++half) {
    auto v = rng();
    for (int i = 0; i < 16; ++i) s[half * 16 + i] = digits[(v >> (i * 4)) & 0xf];
  }
  return s;
}

}  // namespace

struct cosmo_synapse::impl {
  impl(asio::any_io_executor e, cosmo_options o)
      : strand(asio::make_strand(e)), opts(std::move(o)), retry(strand) {}
  asio::strand<asio::any_io_executor> strand;
  cosmo_options opts;
  asio::steady_timer retry;
  std::shared_ptr<ssl::context> tls;  // cosmos://: made at the first connect
  std::shared_ptr<connection> conn;   // null while disconnected
  bool closed = false;
  bool run_started = false;
  std::atomic<bool> up{false};
  // By sub_id; std::less<> so a msg line's sub_id is looked up without a string copy.
  std::map<std::string, std::shared_ptr<subscriber>, std::less<>> subs;
  std::shared_ptr<detail::stats_counters> stats = std::make_shared<detail::stats_counters>();
  std::atomic<std::uint64_t> direct_writes{0}, pings_sent{0}, pongs_received{0},
      stale_connections{0};

  std::string where() const { return opts.host + ":" + std::to_string(opts.port); }
  std::string scheme() const { return opts.tls ? "cosmos://" : "cosmo://"; }

  void enqueue(connection& c, std::string line) {
    if (c.writer_idle && c.out.empty() && !c.stream.tls && !c.dead) {
      boost::system::error_code ec;
      std::size_t n = c.stream.sock.write_some(asio::buffer(line), ec);
      // A broken socket: the line is queued, the writer's write fails and drops the
      // connection (the reader then reconnects), as without this path.
      if (ec) n = 0;
      if (n > 0) direct_writes.fetch_add(1, std::memory_order_relaxed);
      c.writer_idle = false;
      c.wake.cancel();  // the end of this turn: later lines wait for the writer
      if (n == line.size()) return;
      line.erase(0, n);
    }
    c.out_bytes += line.size();
    c.out.push_back(std::move(line));
    if (c.writer_idle) {
      c.writer_idle = false;
      c.wake.cancel();
    }
  }

  static std::string sub_line(const std::string& id, const subscriber& s) {
    std::string line = "{\"op\":\"sub\",\"sub_id\":";
    detail::append_py_string(line, id);
    line += ",\"subject\":";
    detail::append_py_string(line, s.pattern);
    line += ",\"queue_group\":";
    if (s.group)
      detail::append_py_string(line, *s.group);
    else
      line += "null";
    line += "}\n";
    return line;
  }

  void drop_connection() {
    if (!conn) return;
    conn->dead = true;
    boost::system::error_code ignored;
    conn->stream.sock.shutdown(tcp::socket::shutdown_both, ignored);
    conn->stream.sock.close(ignored);
    conn->wake.cancel();
    conn->drained.cancel();
    conn->ping_timer.cancel();
    conn.reset();
    up = false;
  }

  // The shape every broker writes a msg in: {"op":"msg","subject":S,"frame":F,"sub_id":I}
  // with Python's escaping. The frame is unescaped straight from the line (no JSON parse
  // of the line, no JSON string built); anything else takes the full parse.
  bool try_fast_msg(std::string_view line) {
    constexpr std::string_view prefix = R"({"op":"msg","subject":)";
    constexpr std::string_view frame_key = R"(,"frame":)";
    constexpr std::string_view sub_key = R"(,"sub_id":)";
    if (!line.starts_with(prefix)) return false;
    auto rest = line.substr(prefix.size());
    bool escapes = false;
    std::size_t n = detail::py_canonical_string_size(rest, escapes);
    if (n == 0 || !rest.substr(n).starts_with(frame_key)) return false;
    rest.remove_prefix(n + frame_key.size());
    std::size_t fn = detail::py_canonical_string_size(rest, escapes);
    if (fn == 0 || !rest.substr(fn).starts_with(sub_key)) return false;
    auto frame_json = rest.substr(0, fn);
    rest.remove_prefix(fn + sub_key.size());
    std::size_t in = detail::py_canonical_string_size(rest, escapes);
    if (in < 2 || escapes || rest.size() != in + 1 || rest[in] != '}') return false;
    auto it = subs.find(rest.substr(1, in - 2));
    if (it == subs.end()) {
      stats->dropped.fetch_add(1, std::memory_order_relaxed);  // raced with unsubscribe
      return true;
    }
    frame_scratch.clear();
    detail::append_py_unescaped(frame_scratch, frame_json);
    deliver_frame(it->second, frame_scratch);
    return true;
  }

  void deliver_frame(const std::shared_ptr<subscriber>& to, std::string_view frame) {
    auto decoded = protocol::decode(frame);
    if (!decoded) {
      stats->decode_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("cosmo: undecodable frame on '{}': {}", to->pattern, decoded.error().what());
      return;
    }
    detail::deliver(to, std::make_shared<protocol::signal>(std::move(*decoded)));
  }

  std::string frame_scratch;  // reused by try_fast_msg

  void handle_line(std::string_view line) {
    if (try_fast_msg(line)) return;
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      spdlog::warn("cosmo: bad line from broker {}: {}", where(),
                   ec ? ec.message() : "not an object");
      return;
    }
    const auto& o = v.get_object();
    auto* op = o.if_contains("op");
    if (op == nullptr || !op->is_string()) return;
    if (*op == "msg") {
      auto* sub_id = o.if_contains("sub_id");
      auto* frame = o.if_contains("frame");
      if (sub_id == nullptr || !sub_id->is_string()) return;
      auto it = subs.find(std::string_view(sub_id->get_string()));
      if (it == subs.end()) {
        stats->dropped.fetch_add(1, std::memory_order_relaxed);  // raced with unsubscribe
        return;
      }
      if (frame == nullptr || !frame->is_string()) {
        stats->decode_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("cosmo: msg on '{}' without a string frame; skipped", it->second->pattern);
        return;
      }
      deliver_frame(it->second, frame->get_string());
    } else if (*op == "ping") {  // the broker's liveness check (broker_server.h)
      if (conn) enqueue(*conn, "{\"op\":\"pong\"}\n");
    } else if (*op == "pong") {  // the answer to our liveness ping (any line resets the count)
      pongs_received.fetch_add(1, std::memory_order_relaxed);
    } else if (*op == "err") {
      auto* m = o.if_contains("message");
      // A broker that does not know ping (the Python DevSynapse) answers it like this.
      if (m && m->is_string() && m->get_string() == "unknown op 'ping'") return;
      spdlog::warn("cosmo: broker {} reported: {}", where(),
                   m && m->is_string() ? std::string(m->get_string()) : std::string("?"));
    }
  }
};

namespace {

using impl_ptr = std::shared_ptr<cosmo_synapse::impl>;

asio::awaitable<void> async_writer(impl_ptr self, std::shared_ptr<connection> c) {
  std::vector<asio::const_buffer> buffers;
  while (!c->dead) {
    if (c->out.empty()) {
      c->wake.expires_at(asio::steady_timer::time_point::max());
      c->writer_idle = true;
      boost::system::error_code ec;
      co_await c->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      c->writer_idle = false;
      continue;
    }
    buffers.clear();
    std::size_t count = 0, bytes = 0;
    for (const auto& line : c->out) {
      buffers.emplace_back(asio::buffer(line));
      bytes += line.size();
      if (++count == 256 || bytes >= 256 * 1024) break;
    }
    boost::system::error_code ec;
    if (c->stream.tls)
      co_await asio::async_write(*c->stream.tls, buffers,
                                 asio::redirect_error(asio::use_awaitable, ec));
    else
      co_await asio::async_write(c->stream.sock, buffers,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec || c->dead) break;
    for (std::size_t i = 0; i < count; ++i) c->out.pop_front();
    c->out_bytes -= bytes;
    if (c->out_bytes <= self->opts.max_outbound_bytes / 2) c->drained.cancel();
  }
  if (self->conn == c) self->drop_connection();  // the reader sees it and reconnects
}

// Client-side liveness (cosmo_synapse.h): one look every ping_interval while c is the
// connection. Runs on the strand.
asio::awaitable<void> async_liveness(impl_ptr self, std::shared_ptr<connection> c) {
  static constexpr std::string_view ping_line = "{\"op\":\"ping\"}\n";
  while (!c->dead && self->conn == c) {
    c->ping_timer.expires_after(self->opts.ping_interval);
    boost::system::error_code ec;
    co_await c->ping_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (c->dead || self->conn != c || self->closed) break;
    if (c->heard) {  // the broker spoke since the last look: alive, no ping needed
      c->heard = false;
      continue;
    }
    if (c->pings_out >= self->opts.max_pings_outstanding) {
      self->stale_connections.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn(
          "cosmo: broker {} is stale ({} pings unanswered, {} ms apart); dropping the "
          "connection and reconnecting",
          self->where(), c->pings_out, self->opts.ping_interval.count());
      self->drop_connection();  // the run task sees the closed socket and reconnects
      break;
    }
    ++c->pings_out;
    self->pings_sent.fetch_add(1, std::memory_order_relaxed);
    self->enqueue(*c, std::string(ping_line));
  }
}

// Opens a connection and completes the welcome handshake; on success installs it,
// re-sends every live subscription and starts its writer. Runs on the strand.
asio::awaitable<boost::system::error_code> async_open(impl_ptr self) {
  auto ex = co_await asio::this_coro::executor;
  if (self->opts.tls && !self->tls) {
    try {
      self->tls = detail::make_client_tls_context(self->opts);
    } catch (const std::exception& e) {
      spdlog::warn("cosmo: TLS setup for {} failed: {}", self->where(), e.what());
      co_return make_error_code(errc::handshake_failed);
    }
  }
  auto c = std::make_shared<connection>(ex, self->opts.max_line_bytes);
  std::shared_ptr<detail::cosmo_stream> stream(c, &c->stream);
  auto opened = co_await detail::async_open_cosmo(self->opts, self->tls, stream);
  if (!opened) co_return opened.error();
  if (self->closed) co_return make_error_code(errc::closed);
  std::string rest = std::move(*opened);
  boost::system::error_code nb_ec;
  c->stream.sock.non_blocking(true, nb_ec);  // enqueue's direct writes never block the strand

  self->drop_connection();
  self->conn = c;
  self->up = true;
  for (const auto& [id, s] : self->subs) self->enqueue(*c, self->sub_line(id, *s));
  asio::co_spawn(ex, async_writer(self, c), detail::log_exception{"cosmo writer"});
  if (self->opts.ping_interval.count() > 0)
    asio::co_spawn(ex, async_liveness(self, c), detail::log_exception{"cosmo liveness"});
  // Anything the broker sent right after the welcome line.
  c->framer.feed(
      rest, [&](std::string_view l) { self->handle_line(l); }, [] {});
  co_return boost::system::error_code{};
}

asio::awaitable<void> async_read_loop(impl_ptr self, std::shared_ptr<connection> c) {
  while (!c->dead) {
    boost::system::error_code ec;
    std::size_t n = 0;
    if (c->stream.tls)
      n = co_await c->stream.tls->async_read_some(asio::buffer(c->read_buf),
                                                  asio::redirect_error(asio::use_awaitable, ec));
    else
      n = co_await c->stream.sock.async_read_some(asio::buffer(c->read_buf),
                                                  asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    c->heard = true;
    c->pings_out = 0;
    c->framer.feed(
        std::string_view(c->read_buf.data(), n), [&](std::string_view l) { self->handle_line(l); },
        [&] {
          spdlog::warn("cosmo: skipped an inbound line over {} bytes", c->framer.max_line_bytes());
        });
  }
}

// The long-lived task: reads while connected, reconnects with backoff when not.
asio::awaitable<void> async_run(impl_ptr self) {
  while (!self->closed) {
    if (auto c = self->conn) {
      co_await async_read_loop(self, c);
      if (self->conn == c) self->drop_connection();
      if (self->closed) break;
      spdlog::warn("cosmo: connection to {} lost; reconnecting", self->where());
    }
    auto delay = self->opts.reconnect_min;
    while (!self->closed) {
      self->retry.expires_after(delay);
      boost::system::error_code ec;
      co_await self->retry.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (self->closed) break;
      if (!(co_await async_open(self))) {
        self->stats->reconnects.fetch_add(1, std::memory_order_relaxed);
        spdlog::info("cosmo: reconnected to {}", self->where());
        break;
      }
      delay = std::min(delay * 2, self->opts.reconnect_max);
    }
  }
}

asio::awaitable<boost::system::error_code> async_connect_on_strand(impl_ptr self) {
  if (self->closed) co_return make_error_code(errc::closed);
  if (self->conn) co_return boost::system::error_code{};
  auto ec = co_await async_open(self);
  if (!ec && !self->run_started) {
    self->run_started = true;
    asio::co_spawn(self->strand, async_run(self), detail::log_exception{"cosmo connection"});
  }
  co_return ec;
}

asio::awaitable<void> async_close_on_strand(impl_ptr self) {
  if (self->closed) co_return;
  self->closed = true;
  self->retry.cancel();
  // Drain: give queued publishes a bounded time to reach the broker.
  if (auto c = self->conn) {
    asio::steady_timer t(self->strand);
    for (int i = 0; i < 200 && !c->out.empty() && !c->dead; ++i) {
      t.expires_after(std::chrono::milliseconds(5));
      co_await t.async_wait(asio::use_awaitable);
    }
  }
  self->drop_connection();
  for (auto& [id, s] : self->subs) s->live = false;
  self->subs.clear();
}

asio::awaitable<void> async_wait_drained(std::shared_ptr<connection> c) {
  c->drained.expires_at(asio::steady_timer::time_point::max());
  boost::system::error_code ec;
  co_await c->drained.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

cosmo_synapse::cosmo_synapse(asio::any_io_executor ex, cosmo_options options)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(options))) {}

cosmo_synapse::~cosmo_synapse() {
  asio::post(impl_->strand, [self = impl_] {
    self->closed = true;
    self->retry.cancel();
    self->drop_connection();
  });
}

boost::system::result<cosmo_options> cosmo_synapse::parse_url(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return make_error_code(errc::bad_url);
  std::string scheme(url.substr(0, sep));
  for (auto& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (scheme != "cosmo" && scheme != "cosmos") return make_error_code(errc::bad_url);
  auto rest = url.substr(sep + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  cosmo_options o;
  o.tls = scheme == "cosmos";
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    auto query = rest.substr(q + 1);
    query = query.substr(0, query.find('#'));
    if (!o.tls && !query.empty()) return make_error_code(errc::bad_url);  // TLS options only
    while (!query.empty()) {
      auto item = query.substr(0, query.find('&'));
      query.remove_prefix(std::min(query.size(), item.size() + 1));
      auto eq = item.find('=');
      if (eq == std::string_view::npos) return make_error_code(errc::bad_url);
      auto key = item.substr(0, eq);
      std::string value(item.substr(eq + 1));
      if (key == "ca")
        o.tls_ca_file = value;
      else if (key == "cert")
        o.tls_cert_file = value;
      else if (key == "key")
        o.tls_key_file = value;
      else if (key == "name")
        o.tls_server_name = value;
      else if (key == "verify" && (value == "false" || value == "true"))
        o.tls_verify = value == "true";
      else
        return make_error_code(errc::bad_url);
    }
  }
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {  // [::1]:7070
    auto close = authority.find(']');
    if (close == std::string_view::npos) return make_error_code(errc::bad_url);
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return make_error_code(errc::bad_url);
      port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!host.empty()) o.host = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, err] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (err != std::errc() || p != port.data() + port.size() || value > 65535)
      return make_error_code(errc::bad_url);
    o.port = static_cast<std::uint16_t>(value);
  }
  return o;
}

asio::awaitable<boost::system::error_code> cosmo_synapse::async_connect() {
  co_return co_await asio::co_spawn(impl_->strand, async_connect_on_strand(impl_),
                                    asio::use_awaitable);
}

asio::awaitable<void> cosmo_synapse::async_close() {
  co_await asio::co_spawn(impl_->strand, async_close_on_strand(impl_), asio::use_awaitable);
}

asio::awaitable<boost::system::error_code> cosmo_synapse::async_publish(std::string subject,
                                                                        protocol::signal s) {
  // Encoding needs no shared state: do it before hopping onto the strand.
  std::string frame = protocol::encode(s);
  std::string line;
  // An encoded Signal is JSON: its quotes are escaped, ~1 in 8 bytes; one allocation.
  line.reserve(frame.size() + frame.size() / 4 + subject.size() + 48);
  line += "{\"op\":\"pub\",\"subject\":";
  detail::append_py_string(line, subject);
  line += ",\"frame\":";
  detail::append_py_string(line, frame);
  line += "}\n";
  auto self = impl_;
  while (true) {
    if (!self->strand.running_in_this_thread())
      co_await asio::dispatch(asio::bind_executor(self->strand, asio::use_awaitable));
    if (self->closed) co_return make_error_code(errc::closed);
    auto c = self->conn;
    if (!c) co_return make_error_code(errc::not_connected);
    if (c->out_bytes <= self->opts.max_outbound_bytes) {
      self->enqueue(*c, std::move(line));
      self->stats->published.fetch_add(1, std::memory_order_relaxed);
      co_return boost::system::error_code{};
    }
    co_await asio::co_spawn(self->strand, async_wait_drained(c), asio::use_awaitable);
  }
}

asio::awaitable<boost::system::result<subscription>> cosmo_synapse::async_subscribe(
    std::string subject, handler h, std::optional<std::string> queue_group) {
  auto ex = co_await asio::this_coro::executor;
  auto self = impl_;
  auto sub = std::make_shared<subscriber>(std::move(subject), std::move(queue_group), std::move(h),
                                          ex, self->stats);
  std::string id = random_hex32();
  std::weak_ptr<impl> weak = self;
  sub->on_unsubscribe = [weak, id] {
    auto owner = weak.lock();
    if (!owner) return;
    asio::post(owner->strand, [owner, id] {
      owner->subs.erase(id);
      if (owner->conn)
        owner->enqueue(*owner->conn, "{\"op\":\"unsub\",\"sub_id\":\"" + id + "\"}\n");
    });
  };
  co_await asio::dispatch(asio::bind_executor(self->strand, asio::use_awaitable));
  if (self->closed) co_return make_error_code(errc::closed);
  if (!self->conn) co_return make_error_code(errc::not_connected);
  self->subs.emplace(id, sub);
  self->enqueue(*self->conn, impl::sub_line(id, *sub));
  co_return subscription(std::move(sub));
}

synapse_stats cosmo_synapse::stats() const noexcept { return impl_->stats->snapshot(); }

std::string cosmo_synapse::url() const { return impl_->scheme() + impl_->where(); }

bool cosmo_synapse::connected() const noexcept { return impl_->up.load(); }

cosmo_link_stats cosmo_synapse::link_stats() const noexcept {
  auto r = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return {r(impl_->direct_writes), r(impl_->pings_sent), r(impl_->pongs_received),
          r(impl_->stale_connections)};
}

std::string cosmo_synapse::new_inbox(const protocol::signal&) { return "_inbox." + random_hex32(); }

}  // namespace neuromesh::synapse
