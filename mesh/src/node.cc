#include "neuromesh/mesh/node.h"

#include "le.h"
#include "neuromesh/mesh/session.h"
#include "udp_socket.h"

#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace neuromesh::mesh {

using detail::udp;
using clock = clock_type;
using namespace std::chrono_literals;

namespace {

std::array<std::uint8_t, 32> handshake_prologue(std::uint64_t initiator, std::uint64_t responder) {
  std::array<std::uint8_t, 32> p{};
  std::memcpy(p.data(), "net-handshake-v1", 16);
  detail::store_le(p.data() + 16, initiator);
  detail::store_le(p.data() + 24, responder);
  return p;
}

bytes handshake_packet(std::uint64_t sequence, std::uint64_t sender, const bytes& msg) {
  net_header h;
  h.flags = packet_flag::handshake;
  h.sequence = sequence;
  h.stream_id = sender;
  h.payload_len = static_cast<std::uint16_t>(msg.size());
  bytes out(header_size + msg.size());
  h.encode_to(out.data());
  std::memcpy(out.data() + header_size, msg.data(), msg.size());
  return out;
}

struct stream_state {
  stream_state(const stream_config& c, clock::time_point now) : tx(c), rx(c), last_activity(now) {}
  stream_sender tx;
  stream_receiver rx;
  clock::time_point last_activity;
};

struct peer_state {
  std::uint64_t node_id = 0;
  public_key key{};
  udp::endpoint ep;
  std::unique_ptr<session> sess;
  std::map<std::uint64_t, stream_state> streams;
  bool we_initiated = false;
  clock::time_point last_heartbeat_sent{}, last_reconnect{};
  key32 initiator_ephemeral{};  // of the msg1 that built sess (responder side)
  bytes msg2;                   // resent when that msg1 arrives again
};

struct pending_handshake {
  std::optional<noise_handshake> hs;
  udp::endpoint ep;
  public_key key{};
  std::uint64_t peer_id = 0;
  bytes msg1;
  clock::time_point started{}, last_sent{};
  bool done = false;
  std::optional<error> err;
};

using outbox = std::vector<std::pair<udp::endpoint, bytes>>;

struct delivery {
  std::uint64_t peer, stream;
  bytes event;
};

}  // namespace

struct node::impl {
  explicit impl(node_config c)
      : config(std::move(c)),
        fd(config.heartbeat_interval * 2, config.session_timeout),
        socket(io),
        timer(io) {}

  node_config config;
  boost::asio::io_context io;
  mutable std::mutex mu;
  std::condition_variable cv;
  failure_detector fd;
  detail::udp_socket socket;
  boost::asio::steady_timer timer;
  std::thread thread;
  event_handler handler;
  bool running = false;

  std::map<std::uint64_t, peer_state> peers;
  std::map<std::uint64_t, std::uint64_t> by_session;
  std::map<udp::endpoint, pending_handshake> pending;
  node_counters counters;
  detail::receive_batch batch;
  outbox out;
  bytes plain, sealed;
  clock::time_point last_idle_sweep{};

  // ---- sending (lock held) ----
  void flush_locked() {
    if (out.empty()) return;
    counters.packets_tx += socket.send(out);
    out.clear();
  }

  void seal_locked(peer_state& p, net_header h, const std::vector<byte_view>& events) {
    h.origin_hash = config.self.origin_hash();
    if (auto r = p.sess->seal(h, events, sealed); r) out.emplace_back(p.ep, sealed);
  }

  void send_packet_locked(peer_state& p, std::uint64_t stream, const outgoing_packet& pkt) {
    net_header h;
    h.stream_id = stream;
    h.sequence = pkt.sequence;
    if (p.streams.at(stream).tx.config().mode == reliability::reliable)
      h.flags = packet_flag::reliable;
    std::vector<byte_view> views(pkt.events.begin(), pkt.events.end());
    seal_locked(p, h, views);
  }

  void send_control_locked(peer_state& p, std::uint16_t sub, const std::vector<bytes>& msgs) {
    net_header h;
    h.stream_id = control_stream_id;
    h.subprotocol_id = sub;
    std::vector<byte_view> views;
    std::size_t size = 0;
    for (auto& m : msgs) {
      if (size + 4 + m.size() > max_payload_size) {
        seal_locked(p, h, views);
        views.clear();
        size = 0;
      }
      views.emplace_back(m);
      size += 4 + m.size();
    }
    if (!views.empty()) seal_locked(p, h, views);
  }

  // ---- peers and streams (lock held) ----
  peer_state* live_peer_locked(std::uint64_t id) {
    auto it = peers.find(id);
    if (it == peers.end() || !it->second.sess) return nullptr;
    return &it->second;
  }

  stream_state& stream_locked(peer_state& p, std::uint64_t id, const stream_config& c,
                              clock::time_point now) {
    auto it = p.streams.find(id);
    if (it != p.streams.end()) return it->second;
    std::size_t total = 0;
    for (auto& [pid, peer] : peers) total += peer.streams.size();
    if (total >= config.max_streams) {  // the cap is per node: evict the least recently used
      peer_state* owner = nullptr;
      std::map<std::uint64_t, stream_state>::iterator lru;
      for (auto& [pid, peer] : peers)
        for (auto i = peer.streams.begin(); i != peer.streams.end(); ++i)
          if (!owner || i->second.last_activity < lru->second.last_activity) owner = &peer, lru = i;
      if (owner) owner->streams.erase(lru);
      ++counters.streams_evicted_cap;
    }
    return p.streams.try_emplace(id, c, now).first->second;
  }

  void install_locked(peer_state& p, const session_keys& keys) {
    if (p.sess) by_session.erase(p.sess->id());
    p.sess = std::make_unique<session>(keys);
    p.streams.clear();  // sequence spaces restart with the session
    by_session[keys.session_id] = p.node_id;
    fd.heartbeat(p.node_id, clock::now());
    ++counters.handshakes_completed;
  }

  // ---- receiving (I/O thread, lock held) ----
  void on_handshake_locked(const net_header& h, byte_view msg, const udp::endpoint& from) {
    if (h.sequence == 0) return on_msg1_locked(h, msg, from);
    auto it = pending.find(from);
    if (it == pending.end() || it->second.done) return;  // stray or late msg2
    auto& ph = it->second;
    auto r = h.stream_id == ph.peer_id
                 ? ph.hs->read_message(msg)
                 : result<bytes>(fail(errc::handshake_failed, "msg2 from the wrong node id"));
    if (!r) {
      ++counters.handshakes_failed;
      counters.last_handshake_error =
          fmt::format("from {}:{}: {}", from.address().to_string(), from.port(), r.error().what());
      ph.err = r.error();
      ph.done = true;
      cv.notify_all();
      return;
    }
    auto& p = peers[ph.peer_id];
    p.node_id = ph.peer_id;
    p.key = ph.key;
    p.ep = from;
    p.we_initiated = true;
    install_locked(p, ph.hs->net_session_keys());
    ph.done = true;
    cv.notify_all();
  }

  void on_msg1_locked(const net_header& h, byte_view msg, const udp::endpoint& from) {
    std::uint64_t initiator = h.stream_id;
    if (auto it = peers.find(initiator);
        it != peers.end() && msg.size() >= 32 &&
        std::memcmp(it->second.initiator_ephemeral.data(), msg.data(), 32) == 0) {
      out.emplace_back(from, it->second.msg2);  // our msg2 was lost: send it again
      return;
    }
    auto fail_with = [&](const std::string& why) {
      ++counters.handshakes_failed;
      counters.last_handshake_error =
          fmt::format("from {}:{}: {}", from.address().to_string(), from.port(), why);
    };
    auto prologue = handshake_prologue(initiator, config.self.node_id());
    auto hs = noise_handshake::responder(config.psk, config.self.x25519_secret(), prologue);
    auto payload = hs.read_message(msg);
    if (!payload) return fail_with(payload.error().what());
    if (payload->size() != 32) return fail_with("msg1 payload is not an ed25519 public key");
    public_key key;
    std::memcpy(key.data(), payload->data(), 32);
    if (node_id_of(key) != initiator) return fail_with("msg1 key does not match its node id");
    auto msg2 = hs.write_message({});
    if (!msg2) return fail_with(msg2.error().what());
    auto& p = peers[initiator];
    p.node_id = initiator;
    p.key = key;
    p.ep = from;
    p.initiator_ephemeral = hs.initiator_ephemeral();
    p.msg2 = handshake_packet(1, config.self.node_id(), *msg2);
    install_locked(p, hs.net_session_keys());
    out.emplace_back(from, p.msg2);
  }

  void on_packet_locked(byte_view pkt, const udp::endpoint& from, std::vector<delivery>& ready) {
    ++counters.packets_rx;
    auto h = net_header::decode(pkt);
    if (!h) {
      ++counters.dropped_malformed;
      return;
    }
    if (h->flags & packet_flag::handshake) {
      if (pkt.size() != header_size + h->payload_len) {
        ++counters.dropped_malformed;
        return;
      }
      return on_handshake_locked(*h, pkt.subspan(header_size), from);
    }
    auto sit = by_session.find(h->session_id);
    if (sit == by_session.end()) {
      ++counters.dropped_unknown_session;
      return;
    }
    auto& p = peers.at(sit->second);
    auto opened = p.sess->open(pkt, plain);
    if (!opened) {
      switch (opened.error().code) {
        case errc::replayed:
          ++counters.dropped_replayed;
          break;
        case errc::decrypt_failed:
          ++counters.dropped_auth;
          break;
        default:
          ++counters.dropped_malformed;
      }
      return;
    }
    auto now = clock::now();
    fd.heartbeat(p.node_id, now);
    p.ep = from;  // the peer's address may change (NAT rebinding); the session proves it
    if (h->flags & packet_flag::heartbeat) {
      ++counters.heartbeats_received;
      return;
    }
    if (h->subprotocol_id == subprotocol::stream_window) {
      for (auto ev : opened->events)
        if (auto w = stream_window::decode(ev); w)
          if (auto it = p.streams.find(w->stream_id); it != p.streams.end())
            it->second.tx.on_window(*w);
      return;
    }
    if (h->subprotocol_id == subprotocol::stream_nack) {
      for (auto ev : opened->events) {
        auto n = stream_nack::decode(ev);
        if (!n) continue;
        auto it = p.streams.find(n->stream_id);
        if (it == p.streams.end()) continue;
        for (auto* resend : it->second.tx.on_nack(*n, now)) {
          ++counters.retransmits;
          send_packet_locked(p, n->stream_id, *resend);
        }
      }
      return;
    }
    stream_config c = config.inbound_stream;
    c.mode =
        h->flags & packet_flag::reliable ? reliability::reliable : reliability::fire_and_forget;
    auto& st = stream_locked(p, h->stream_id, c, now);
    st.last_activity = now;
    std::vector<bytes> events;
    events.reserve(opened->events.size());
    for (auto ev : opened->events) events.emplace_back(ev.begin(), ev.end());
    for (auto& ev : st.rx.on_packet(h->sequence, std::move(events)))
      ready.push_back({p.node_id, h->stream_id, std::move(ev)});
  }

  // Grants for streams that moved, NACKs for gaps: one control packet per kind per peer.
  void send_feedback_locked(clock::time_point now) {
    for (auto& [id, p] : peers) {
      if (!p.sess) continue;
      std::vector<bytes> grants, nacks;
      for (auto& [sid, st] : p.streams) {
        if (st.rx.grant_due()) {
          auto g = st.rx.grant(sid).encode();
          grants.emplace_back(g.begin(), g.end());
        }
        if (auto n = st.rx.nack(sid, now)) {
          auto b = n->encode();
          nacks.emplace_back(b.begin(), b.end());
        }
      }
      if (!grants.empty()) send_control_locked(p, subprotocol::stream_window, grants);
      if (!nacks.empty()) send_control_locked(p, subprotocol::stream_nack, nacks);
    }
  }

  void arm_receive() {
    socket.socket().async_wait(udp::socket::wait_read,
                               [this](const boost::system::error_code& ec) { on_readable(ec); });
  }

  void on_readable(const boost::system::error_code& ec) {
    if (ec) return;  // closed
    std::vector<delivery> ready;
    {
      std::lock_guard lock(mu);
      for (int round = 0; round < 16; ++round) {
        socket.receive(batch);
        if (batch.count == 0) break;
        ++counters.rx_batches;
        for (std::size_t i = 0; i < batch.count; ++i)
          on_packet_locked(byte_view(batch.buffers[i].data(), batch.sizes[i]), batch.sources[i],
                           ready);
      }
      send_feedback_locked(clock::now());
      flush_locked();
    }
    if (handler)
      for (auto& d : ready) handler(d.peer, d.stream, d.event);
    arm_receive();
  }

  // ---- timers (I/O thread) ----
  void arm_timer() {
    timer.expires_after(10ms);
    timer.async_wait([this](const boost::system::error_code& ec) { on_tick(ec); });
  }

  void on_tick(const boost::system::error_code& ec) {
    if (ec) return;
    {
      std::lock_guard lock(mu);
      auto now = clock::now();
      tick_handshakes_locked(now);
      for (auto& [id, p] : peers) {
        if (!p.sess) continue;
        for (auto& [sid, st] : p.streams)
          for (auto* pkt : st.tx.due(now)) {
            ++counters.retransmits;
            send_packet_locked(p, sid, *pkt);
          }
        if (now - p.last_heartbeat_sent >= config.heartbeat_interval) {
          p.last_heartbeat_sent = now;
          net_header h;
          h.flags = packet_flag::heartbeat;
          seal_locked(p, h, {});
          ++counters.heartbeats_sent;
        }
        tick_reconnect_locked(p, now);
      }
      if (now - last_idle_sweep >= 1s) {
        last_idle_sweep = now;
        for (auto& [id, p] : peers)
          counters.streams_evicted_idle += std::erase_if(p.streams, [&](auto& kv) {
            return now - kv.second.last_activity >= config.stream_idle_timeout;
          });
      }
      send_feedback_locked(now);
      flush_locked();
    }
    arm_timer();
  }

  void tick_handshakes_locked(clock::time_point now) {
    for (auto it = pending.begin(); it != pending.end();) {
      auto& ph = it->second;
      if (ph.done && !ph.err && now - ph.started > config.handshake_timeout * 2) {
        it = pending.erase(it);  // finished; kept a while so a waiter can read it
        continue;
      }
      if (!ph.done && now - ph.started > config.handshake_timeout) {
        ph.done = true;
        ph.err = fail(errc::handshake_failed,
                      fmt::format("handshake with {}:{}: no valid reply within {} ms (wrong PSK, "
                                  "wrong peer key, or peer unreachable)",
                                  ph.ep.address().to_string(), ph.ep.port(),
                                  config.handshake_timeout.count()));
        ++counters.handshakes_failed;
        counters.last_handshake_error = ph.err->message;
        cv.notify_all();
      }
      if (ph.done && ph.err && now - ph.started > config.handshake_timeout * 2) {
        it = pending.erase(it);
        continue;
      }
      if (!ph.done && now - ph.last_sent >= 250ms) {
        ph.last_sent = now;
        out.emplace_back(ph.ep, ph.msg1);
      }
      ++it;
    }
  }

  void tick_reconnect_locked(peer_state& p, clock::time_point now) {
    if (!p.we_initiated || fd.status(p.node_id, now) != peer_health::failed) return;
    if (now - p.last_reconnect < config.heartbeat_interval) return;
    if (auto it = pending.find(p.ep); it != pending.end() && !it->second.done) return;
    p.last_reconnect = now;
    ++counters.reconnects;
    begin_handshake_locked(p.ep, p.key, now);
  }

  result<pending_handshake*> begin_handshake_locked(const udp::endpoint& ep, const public_key& key,
                                                    clock::time_point now) {
    auto x = x25519_public_of(key);
    if (!x) return x.error();
    pending_handshake ph;
    ph.ep = ep;
    ph.key = key;
    ph.peer_id = node_id_of(key);
    auto prologue = handshake_prologue(config.self.node_id(), ph.peer_id);
    ph.hs.emplace(noise_handshake::initiator(config.psk, *x, prologue));
    auto pub = config.self.public_key_bytes();
    auto msg1 = ph.hs->write_message(pub);
    if (!msg1) return msg1.error();
    ph.msg1 = handshake_packet(0, config.self.node_id(), *msg1);
    ph.started = ph.last_sent = now;
    out.emplace_back(ep, ph.msg1);
    auto& slot = pending[ep];
    slot = std::move(ph);
    return &slot;
  }
};

node::node(node_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

node::~node() { stop(); }

void node::on_event(event_handler h) { impl_->handler = std::move(h); }

result<void> node::start() {
  auto& m = *impl_;
  if (m.running) return {};
  if (auto r = m.socket.bind(m.config.listen, m.config.socket_buffer_bytes); !r) return r;
  m.running = true;
  m.arm_receive();
  m.arm_timer();
  m.thread = std::thread([&m] { m.io.run(); });
  return {};
}

void node::stop() {
  auto& m = *impl_;
  if (!m.running) return;
  m.running = false;
  m.io.stop();
  if (m.thread.joinable()) m.thread.join();
  m.socket.close();
  std::lock_guard lock(m.mu);
  for (auto& [ep, ph] : m.pending)
    if (!ph.done) ph.done = true, ph.err = fail(errc::not_connected, "node stopped");
  m.cv.notify_all();
}

const identity& node::self() const noexcept { return impl_->config.self; }
std::uint16_t node::port() const noexcept { return impl_->socket.port(); }

result<std::uint64_t> node::connect(const std::string& host_port, const public_key& peer_key) {
  auto& m = *impl_;
  auto ep = detail::resolve(host_port);
  if (!ep) return ep.error();
  std::unique_lock lock(m.mu);
  if (!m.running) return fail(errc::not_connected, "node not started");
  auto ph = m.begin_handshake_locked(*ep, peer_key, clock::now());
  if (!ph) return ph.error();
  m.flush_locked();
  auto peer_id = (*ph)->peer_id;
  m.cv.wait(lock, [&] {
    auto it = m.pending.find(*ep);
    return it == m.pending.end() || it->second.done;
  });
  auto it = m.pending.find(*ep);
  if (it == m.pending.end()) return fail(errc::handshake_failed, "handshake superseded");
  auto err = it->second.err;
  m.pending.erase(it);
  if (err) return *err;
  return peer_id;
}

result<void> node::open_stream(std::uint64_t peer, std::uint64_t stream, const stream_config& c) {
  auto& m = *impl_;
  std::lock_guard lock(m.mu);
  auto* p = m.live_peer_locked(peer);
  if (!p) return fail(errc::not_connected, fmt::format("peer 0x{:016x}: no session", peer));
  m.stream_locked(*p, stream, c, clock::now());
  return {};
}

void node::close_stream(std::uint64_t peer, std::uint64_t stream) {
  auto& m = *impl_;
  std::lock_guard lock(m.mu);
  if (auto* p = m.live_peer_locked(peer)) p->streams.erase(stream);
}

result<void> node::send_on_stream(std::uint64_t peer, std::uint64_t stream,
                                  const std::vector<byte_view>& events) {
  auto& m = *impl_;
  std::lock_guard lock(m.mu);
  auto now = clock::now();
  auto* p = m.live_peer_locked(peer);
  if (!p || m.fd.status(peer, now) == peer_health::failed)
    return fail(errc::not_connected, fmt::format("peer 0x{:016x}: not connected", peer));
  auto& st = m.stream_locked(*p, stream, stream_config{}, now);
  std::uint64_t total = 0;
  for (auto e : events) {
    if (e.size() + event_len_size > max_payload_size)
      return fail(errc::bad_length,
                  fmt::format("event of {} bytes exceeds a packet's payload", e.size()));
    total += e.size();
  }
  if (st.tx.config().window_bytes != 0 && total > st.tx.credit()) {
    st.tx.note_backpressure();
    return fail(errc::backpressure, fmt::format("stream {}: {} bytes offered, {} bytes of credit",
                                                stream, total, st.tx.credit()));
  }
  st.last_activity = now;
  std::size_t at = 0;
  while (at < events.size()) {
    std::vector<bytes> chunk;
    std::size_t size = 0;
    while (at < events.size() && size + event_len_size + events[at].size() <= max_payload_size) {
      size += event_len_size + events[at].size();
      chunk.emplace_back(events[at].begin(), events[at].end());
      ++at;
    }
    auto pkt = st.tx.prepare(std::move(chunk), now);
    if (!pkt) return pkt.error();  // cannot happen: credit was checked for the whole batch
    m.send_packet_locked(*p, stream, **pkt);
    if (st.tx.config().mode == reliability::fire_and_forget) st.tx.sent_unreliable();
  }
  m.flush_locked();
  return {};
}

result<void> node::send_with_retry(std::uint64_t peer, std::uint64_t stream,
                                   const std::vector<byte_view>& events, int max_retries) {
  auto backoff = 5ms;
  for (int attempt = 0;; ++attempt) {
    auto r = send_on_stream(peer, stream, events);
    if (r || r.error().code != errc::backpressure || attempt >= max_retries) return r;
    std::this_thread::sleep_for(backoff);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, 200ms);
  }
}

result<void> node::send_blocking(std::uint64_t peer, std::uint64_t stream,
                                 const std::vector<byte_view>& events,
                                 std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  auto backoff = std::chrono::microseconds(50);
  for (;;) {
    auto r = send_on_stream(peer, stream, events);
    if (r || r.error().code != errc::backpressure) return r;
    if (clock::now() >= deadline)
      return fail(errc::timeout, fmt::format("stream {}: still out of credit after {} ms", stream,
                                             timeout.count()));
    std::this_thread::sleep_for(backoff);
    backoff = std::min<std::chrono::microseconds>(backoff * 2, 200ms);
  }
}

std::optional<stream_stats> node::stream_stats(std::uint64_t peer, std::uint64_t stream) const {
  auto& m = *impl_;
  std::lock_guard lock(m.mu);
  auto it = m.peers.find(peer);
  if (it == m.peers.end()) return std::nullopt;
  auto s = it->second.streams.find(stream);
  if (s == it->second.streams.end()) return std::nullopt;
  mesh::stream_stats out;
  s->second.tx.fill(out);
  s->second.rx.fill(out);
  return out;
}

std::optional<peer_health> node::health(std::uint64_t peer) const {
  std::lock_guard lock(impl_->mu);
  return impl_->fd.status(peer, clock::now());
}

std::vector<std::uint64_t> node::peers() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::uint64_t> out;
  for (auto& [id, p] : impl_->peers)
    if (p.sess) out.push_back(id);
  return out;
}

node_counters node::counters() const {
  std::lock_guard lock(impl_->mu);
  return impl_->counters;
}

}  // namespace neuromesh::mesh
