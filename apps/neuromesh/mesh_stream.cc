// neuromesh mesh recv --listen HOST:PORT --identity FILE --psk-file FILE --stream ID --expect N
//                     [--json] [--timeout S]
//   accepts sessions; exits 0 once N events arrived on the stream in order
// neuromesh mesh send --identity FILE --psk-file FILE --peer HOST:PORT=PUBKEYHEX --stream ID
//                     [--reliable] --count N --size BYTES [--json]
//   handshakes, sends N events (each starts with its u64 LE index), prints the stream stats
#include "command.h"
#include "mesh_command.h"
#include "neuromesh/mesh/node.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

namespace {

using namespace neuromesh;
using steady = std::chrono::steady_clock;

// A PSK file: 32 raw bytes, or 64 hex digits (whitespace around them ignored).
mesh::result<mesh::key32> load_psk(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return mesh::fail(mesh::errc::io_error, "psk file " + path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  mesh::key32 k;
  if (text.size() == 32) {
    std::memcpy(k.data(), text.data(), 32);
    return k;
  }
  auto first = text.find_first_not_of(" \t\r\n"), last = text.find_last_not_of(" \t\r\n");
  std::string hex = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  auto b = mesh::from_hex(hex);
  if (!b || b->size() != 32)
    return mesh::fail(mesh::errc::bad_length,
                      "psk file " + path + ": expected 32 raw bytes or 64 hex digits");
  std::memcpy(k.data(), b->data(), 32);
  return k;
}

struct common_options {
  std::string identity, psk_file;
  std::uint64_t stream = 0;
  bool json = false;
  double timeout = 60;
};

bool load_common(const char* verb, const common_options& o, mesh::node_config& c) {
  auto id = mesh::identity::load(o.identity);
  if (!id) {
    std::cerr << "neuromesh mesh " << verb << ": --identity: " << id.error().what() << "\n";
    return false;
  }
  auto psk = load_psk(o.psk_file);
  if (!psk) {
    std::cerr << "neuromesh mesh " << verb << ": --psk-file: " << psk.error().what() << "\n";
    return false;
  }
  c.self = *id;
  c.psk = *psk;
  return true;
}

struct recv_options : common_options {
  std::string listen;
  std::uint64_t expect = 0;
};

void run_recv(const recv_options& o) {
  mesh::node_config c{.self = mesh::identity::generate()};
  if (!load_common("recv", o, c)) return cli::set_exit_code(2);
  c.listen = o.listen;
  mesh::node n(c);
  std::atomic<std::uint64_t> got{0}, bytes{0};
  std::atomic<bool> gap{false};
  std::atomic<std::uint64_t> gap_expected{0}, gap_got{0};
  std::atomic<std::int64_t> first_ns{0};
  n.on_event([&](std::uint64_t, std::uint64_t stream, mesh::byte_view ev) {
    if (stream != o.stream || gap) return;
    if (got == 0) first_ns = steady::now().time_since_epoch().count();
    if (ev.size() >= 8) {
      std::uint64_t index = 0;
      std::memcpy(&index, ev.data(), 8);
      if (index != got) {
        gap_expected = got.load();
        gap_got = index;
        gap = true;
        return;
      }
    }
    bytes += ev.size();
    ++got;
  });
  if (auto r = n.start(); !r) {
    std::cerr << "neuromesh mesh recv: --listen: " << r.error().what() << "\n";
    return cli::set_exit_code(2);
  }
  std::cerr << fmt::format("listening on port {} node_id 0x{:016x} public_key {}\n", n.port(),
                           c.self.node_id(), mesh::to_hex(c.self.public_key_bytes()));
  auto deadline = steady::now() + std::chrono::duration<double>(o.timeout);
  while (got < o.expect && !gap && steady::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto end = steady::now().time_since_epoch().count();
  double secs = first_ns ? (end - first_ns) / 1e9 : 0;
  bool ok = got >= o.expect && !gap;
  if (o.json) {
    boost::json::object j{{"received", got.load()},
                          {"expected", o.expect},
                          {"in_order", !gap.load()},
                          {"seconds", secs},
                          {"events_per_sec", secs > 0 ? got / secs : 0},
                          {"mb_per_sec", secs > 0 ? bytes / secs / 1e6 : 0}};
    if (gap) j["gap"] = {{"expected", gap_expected.load()}, {"got", gap_got.load()}};
    std::cout << boost::json::serialize(j) << "\n";
  } else if (ok) {
    std::cout << "received " << got << " in order\n";
  }
  if (gap)
    std::cerr << "neuromesh mesh recv: gap on stream " << o.stream << ": expected event "
              << gap_expected << ", got " << gap_got << "\n";
  else if (!ok)
    std::cerr << "neuromesh mesh recv: timeout: received " << got << " of " << o.expect << "\n";
  n.stop();
  cli::set_exit_code(ok ? 0 : 1);
}

struct send_options : common_options {
  std::string peer;
  bool reliable = false;
  std::uint64_t count = 0;
  std::size_t size = 64;
};

void run_send(const send_options& o) {
  mesh::node_config c{.self = mesh::identity::generate()};
  if (!load_common("send", o, c)) return cli::set_exit_code(2);
  auto eq = o.peer.rfind('=');
  auto key = eq == std::string::npos ? std::nullopt : mesh::from_hex(o.peer.substr(eq + 1));
  if (!key || key->size() != 32) {
    std::cerr << "neuromesh mesh send: --peer: expected HOST:PORT=PUBKEYHEX (64 hex digits)\n";
    return cli::set_exit_code(2);
  }
  if (o.size + 4 > mesh::max_payload_size) {
    std::cerr << "neuromesh mesh send: --size: at most " << mesh::max_payload_size - 4 << "\n";
    return cli::set_exit_code(2);
  }
  mesh::public_key pk;
  std::memcpy(pk.data(), key->data(), 32);
  c.listen = "0.0.0.0:0";
  mesh::node n(c);
  if (auto r = n.start(); !r) {
    std::cerr << "neuromesh mesh send: " << r.error().what() << "\n";
    return cli::set_exit_code(1);
  }
  auto peer = n.connect(o.peer.substr(0, eq), pk);
  if (!peer) {
    std::cerr << "neuromesh mesh send: " << peer.error().what() << "\n";
    return cli::set_exit_code(1);
  }
  mesh::stream_config sc{.mode = o.reliable ? mesh::reliability::reliable
                                            : mesh::reliability::fire_and_forget};
  (void)n.open_stream(*peer, o.stream, sc);
  std::size_t per_packet = std::max<std::size_t>(1, mesh::max_payload_size / (o.size + 4));
  std::size_t batch = std::min<std::size_t>(per_packet, 64);
  std::vector<mesh::bytes> events(batch, mesh::bytes(std::max<std::size_t>(o.size, 1), 0x5a));
  auto start = steady::now();
  for (std::uint64_t i = 0; i < o.count; i += batch) {
    std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(batch, o.count - i));
    std::vector<mesh::byte_view> views;
    for (std::size_t j = 0; j < k; ++j) {
      std::uint64_t index = i + j;
      if (o.size >= 8) std::memcpy(events[j].data(), &index, 8);
      views.emplace_back(events[j].data(), o.size);
    }
    auto r = n.send_blocking(*peer, o.stream, views, std::chrono::seconds(30));
    if (!r) {
      std::cerr << "neuromesh mesh send: " << r.error().what() << "\n";
      return cli::set_exit_code(1);
    }
  }
  // Reliable: wait until everything is acknowledged (bounded by --timeout).
  auto deadline = steady::now() + std::chrono::duration<double>(o.timeout);
  while (o.reliable && n.stream_stats(*peer, o.stream)->in_flight > 0 && steady::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  double secs = std::chrono::duration<double>(steady::now() - start).count();
  auto st = n.stream_stats(*peer, o.stream).value_or(mesh::stream_stats{});
  boost::json::object j{{"peer", fmt::format("0x{:016x}", *peer)},
                        {"stream", o.stream},
                        {"events", o.count},
                        {"seconds", secs},
                        {"events_per_sec", o.count / secs},
                        {"mb_per_sec", o.count * o.size / secs / 1e6},
                        {"tx_seq", st.tx_seq},
                        {"rx_seq", st.rx_seq},
                        {"in_flight", st.in_flight},
                        {"tx_window", st.tx_window},
                        {"tx_credit_remaining", st.tx_credit_remaining},
                        {"backpressure_events", st.backpressure_events},
                        {"retransmits", st.retransmits},
                        {"nacks_received", st.nacks_received},
                        {"credit_grants_received", st.credit_grants_received}};
  if (o.json) {
    std::cout << boost::json::serialize(j) << "\n";
  } else {
    for (auto& kv : j) std::cout << kv.key() << " " << boost::json::serialize(kv.value()) << "\n";
  }
  bool done = !o.reliable || st.in_flight == 0;
  if (!done) std::cerr << "neuromesh mesh send: " << st.in_flight << " packets unacknowledged\n";
  n.stop();
  cli::set_exit_code(done ? 0 : 1);
}

void add_common(CLI::App* sub, common_options& o) {
  sub->add_option("--identity", o.identity, "seed file (mesh keygen)")->required();
  sub->add_option("--psk-file", o.psk_file, "32-byte pre-shared key, raw or 64 hex digits")
      ->required();
  sub->add_option("--stream", o.stream, "stream id")->required();
  sub->add_flag("--json", o.json, "print one JSON object");
  sub->add_option("--timeout", o.timeout, "seconds to wait (default 60)");
}

void add_mesh_stream(CLI::App& root) {
  auto& mesh = cli::mesh_command(root);
  auto r = std::make_shared<recv_options>();
  auto* recv = mesh.add_subcommand("recv", "Accept sessions and count events on a stream");
  recv->add_option("--listen", r->listen, "HOST:PORT to bind")->required();
  add_common(recv, *r);
  recv->add_option("--expect", r->expect, "events to wait for")->required();
  recv->callback([r] { run_recv(*r); });

  auto s = std::make_shared<send_options>();
  auto* send = mesh.add_subcommand("send", "Handshake with a peer and send events on a stream");
  send->add_option("--peer", s->peer, "HOST:PORT=PUBKEYHEX")->required();
  add_common(send, *s);
  send->add_flag("--reliable", s->reliable, "Reliable stream (default FireAndForget)");
  send->add_option("--count", s->count, "events to send")->required();
  send->add_option("--size", s->size, "bytes per event (>= 8 carries its index)")->required();
  send->callback([s] { run_send(*s); });
}

const cli::registrar reg{"mesh stream", 71, add_mesh_stream};

}  // namespace
