// Loopback stream throughput, events/s and MB/s, at 64 B and 1 KB events, beside a raw UDP
// floor measured in the same run: the same datagrams (same count and size as the mesh's
// packets, no header, crypto, credit or acknowledgements) between two plain sockets with
// sendmmsg / recvmmsg. Net publishes no stream-throughput figure to set beside these.
#include "neuromesh/mesh/node.h"
#include "neuromesh/mesh/wire.h"

#include <benchmark/benchmark.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace {

using namespace neuromesh::mesh;
using namespace std::chrono_literals;

std::size_t events_per_packet(std::size_t size) {
  return std::min<std::size_t>(64, max_payload_size / (size + event_len_size));
}

bool wait_for(const std::atomic<std::uint64_t>& n, std::uint64_t target, std::chrono::seconds d) {
  auto deadline = std::chrono::steady_clock::now() + d;
  while (n.load(std::memory_order_relaxed) < target) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

void stream_throughput(benchmark::State& state, reliability mode) {
  auto size = static_cast<std::size_t>(state.range(0));
  key32 psk{};
  psk.fill(9);
  node a({.self = identity::generate(), .psk = psk}), b({.self = identity::generate(), .psk = psk});
  std::atomic<std::uint64_t> got{0};
  b.on_event([&](std::uint64_t, std::uint64_t, byte_view) {
    got.fetch_add(1, std::memory_order_relaxed);
  });
  if (!a.start() || !b.start()) return state.SkipWithError("start");
  auto peer = a.connect("127.0.0.1:" + std::to_string(b.port()), b.self().public_key_bytes());
  if (!peer) return state.SkipWithError(peer.error().what().c_str());
  (void)a.open_stream(*peer, 1, {.mode = mode});
  std::size_t per = events_per_packet(size);
  std::vector<bytes> events(per, bytes(size, 0x61));
  std::vector<byte_view> views(events.begin(), events.end());
  std::uint64_t sent = 0;
  for (auto _ : state) {
    auto r = a.send_blocking(*peer, 1, views, 10s);
    if (!r) return state.SkipWithError(r.error().what().c_str());
    sent += per;
  }
  bool all = wait_for(got, mode == reliability::reliable ? sent : 0, 20s);
  if (!all) state.SkipWithError("not every event arrived");
  state.SetItemsProcessed(static_cast<std::int64_t>(got.load()));
  state.SetBytesProcessed(static_cast<std::int64_t>(got.load() * size));
  state.counters["events_per_packet"] = static_cast<double>(per);
  state.counters["delivered_pct"] =
      sent ? 100.0 * static_cast<double>(got) / static_cast<double>(sent) : 0;
  state.counters["retransmits"] = static_cast<double>(a.counters().retransmits);
}

void BM_mesh_reliable_stream(benchmark::State& state) {
  stream_throughput(state, reliability::reliable);
}
BENCHMARK(BM_mesh_reliable_stream)->Arg(64)->Arg(1024)->UseRealTime();

void BM_mesh_fire_and_forget_stream(benchmark::State& state) {
  stream_throughput(state, reliability::fire_and_forget);
}
BENCHMARK(BM_mesh_fire_and_forget_stream)->Arg(64)->Arg(1024)->UseRealTime();

int udp_socket_on_loopback(sockaddr_in& addr) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int buf = 8 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  return fd;
}

// The floor: one datagram per mesh packet's worth of events, 64 per sendmmsg, received with
// recvmmsg on another thread. Datagrams the kernel drops are not counted as delivered.
void BM_raw_udp_floor(benchmark::State& state) {
  auto size = static_cast<std::size_t>(state.range(0));
  std::size_t per = events_per_packet(size);
  std::size_t dgram = per * size;
  sockaddr_in ra, sa;
  int rx = udp_socket_on_loopback(ra), tx = udp_socket_on_loopback(sa);
  std::atomic<std::uint64_t> got{0};
  std::atomic<bool> stop{false};
  std::thread receiver([&] {
    std::vector<std::vector<std::uint8_t>> bufs(64, std::vector<std::uint8_t>(9000));
    mmsghdr msgs[64];
    iovec iov[64];
    while (!stop) {
      pollfd p{rx, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      for (int i = 0; i < 64; ++i) {
        iov[i] = {bufs[i].data(), bufs[i].size()};
        std::memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int n = ::recvmmsg(rx, msgs, 64, MSG_DONTWAIT, nullptr);
      if (n > 0) got.fetch_add(static_cast<std::uint64_t>(n) * per, std::memory_order_relaxed);
    }
  });
  std::vector<std::uint8_t> payload(dgram, 0x61);
  mmsghdr msgs[8];
  iovec iov[8];
  for (int i = 0; i < 8; ++i) {
    iov[i] = {payload.data(), payload.size()};
    std::memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_name = &ra;
    msgs[i].msg_hdr.msg_namelen = sizeof ra;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  std::uint64_t sent = 0;
  for (auto _ : state) {
    // One mesh packet's worth per iteration, sent eight at a time like a batch.
    if (sent % (8 * per) == 0) ::sendmmsg(tx, msgs, 8, 0);
    sent += per;
  }
  wait_for(got, sent, 2s);  // what the kernel dropped never comes
  stop = true;
  receiver.join();
  ::close(rx);
  ::close(tx);
  state.SetItemsProcessed(static_cast<std::int64_t>(got.load()));
  state.SetBytesProcessed(static_cast<std::int64_t>(got.load() * size));
  state.counters["delivered_pct"] =
      sent ? 100.0 * static_cast<double>(got) / static_cast<double>(sent) : 0;
}
BENCHMARK(BM_raw_udp_floor)->Arg(64)->Arg(1024)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
