// A raw load generator, like `nats bench`: one publisher and N subscribers (solo, or one
// queue group), each on its own thread and connection, speaking the wire protocol directly
// (no Signal codec, no neuromesh client):
//   cosmo://host:port  NDJSON over a POSIX socket: `pub` lines with a frame of --size bytes;
//                      subscribers count `msg` lines.
//   nats://host:port   nats.c: natsConnection_Publish of --size bytes; subscribers count
//                      messages in an async callback (pending limits off: lossless).
// The publisher writes as fast as the transport takes it (pipelined); the clock runs from
// the first publish to the last delivery. One line of JSON on stdout:
//   {"url":..,"shape":..,"size":..,"msgs":..,"seconds":..,"msgs_per_s":..,"mb_per_s":..,
//    "delivered":..}
// msgs_per_s counts published messages (the same figure whatever the fan-out); mb_per_s is
// msgs_per_s x size (payload bytes only).
//   synapse_raw_load --url cosmo://127.0.0.1:7070 --msgs 200000 --size 300 --subs 4 [--group]
#include "synapse_raw_socket.h"

#include <CLI/CLI.hpp>
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct args {
  std::string url;
  std::size_t msgs = 100000;
  std::size_t size = 300;
  int subs = 1;
  bool group = false;
};

using raw_bench::die;

args parse(int argc, char** argv) {
  args a;
  CLI::App app{"raw publish load through a broker (cosmo:// or nats://), no Signal codec"};
  app.add_option("--url", a.url, "broker URL")->required();
  app.add_option("--msgs", a.msgs, "messages to publish");
  app.add_option("--size", a.size, "payload bytes");
  app.add_option("--subs", a.subs, "subscribers")->check(CLI::Range(1, 1 << 16));
  app.add_flag("--group", a.group, "the subscribers form one queue group");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  return a;
}

// ---- cosmo:// -----------------------------------------------------------------------------

using raw_bench::line_socket;

double run_cosmo(const args& a, const std::string& host, const std::string& port) {
  const std::size_t want = a.group ? a.msgs : a.msgs * static_cast<std::size_t>(a.subs);
  std::vector<std::unique_ptr<line_socket>> subs;
  for (int i = 0; i < a.subs; ++i) {
    subs.push_back(std::make_unique<line_socket>(host, port));
    auto& s = *subs.back();
    s.count_lines(1);  // welcome
    s.send(R"({"op":"sub","sub_id":"s)" + std::to_string(i) +
           R"(","subject":"bench.raw","queue_group":)" + (a.group ? "\"g\"" : "null") +
           "}\n{\"op\":\"ping\"}\n");
    s.count_lines(1);  // pong: subscribed
  }
  std::atomic<std::size_t> delivered{0};
  std::vector<std::thread> readers;
  for (auto& s : subs)
    readers.emplace_back([&, sock = s.get()] { sock->count_into(delivered, want); });
  line_socket pub(host, port);
  pub.count_lines(1);
  const std::string head = R"({"op":"pub","subject":"bench.raw","frame":")";
  const std::string body(a.size, 'x');
  auto t0 = clock_type::now();
  std::string blob;
  blob.reserve(256 * 1024);
  for (std::size_t i = 0; i < a.msgs; ++i) {
    blob += head;
    blob += body;
    blob += "\"}\n";
    if (blob.size() >= 128 * 1024 || i + 1 == a.msgs) {
      pub.send(blob);
      blob.clear();
    }
  }
  while (delivered.load() < want) std::this_thread::sleep_for(std::chrono::microseconds(200));
  double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  for (auto& s : subs) s->shutdown();
  for (auto& t : readers) t.join();
  return secs;
}

// ---- nats:// ------------------------------------------------------------------------------

struct nats_counter {
  std::atomic<std::size_t> got{0};
  std::size_t want = 0;
  std::atomic<bool> done{false};
};

void on_nats_msg(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* c = static_cast<nats_counter*>(closure);
  natsMsg_Destroy(msg);
  if (c->got.fetch_add(1) + 1 == c->want) c->done = true;
}

double run_nats(const args& a) {
  auto check = [](natsStatus s, const char* what) {
    if (s != NATS_OK) die(std::string(what) + ": " + natsStatus_GetText(s));
  };
  nats_counter counter;
  counter.want = a.group ? a.msgs : a.msgs * static_cast<std::size_t>(a.subs);
  std::vector<natsConnection*> conns;
  std::vector<natsSubscription*> subs;
  for (int i = 0; i < a.subs; ++i) {
    natsConnection* c = nullptr;
    check(natsConnection_ConnectTo(&c, a.url.c_str()), "connect");
    natsSubscription* s = nullptr;
    if (a.group)
      check(natsConnection_QueueSubscribe(&s, c, "bench.raw", "g", on_nats_msg, &counter),
            "queue subscribe");
    else
      check(natsConnection_Subscribe(&s, c, "bench.raw", on_nats_msg, &counter), "subscribe");
    check(natsSubscription_SetPendingLimits(s, -1, -1), "pending limits");
    check(natsConnection_Flush(c), "flush");
    conns.push_back(c);
    subs.push_back(s);
  }
  natsConnection* pub = nullptr;
  check(natsConnection_ConnectTo(&pub, a.url.c_str()), "connect");
  const std::string body(a.size, 'x');
  auto t0 = clock_type::now();
  for (std::size_t i = 0; i < a.msgs; ++i)
    check(natsConnection_Publish(pub, "bench.raw", body.data(), static_cast<int>(body.size())),
          "publish");
  check(natsConnection_Flush(pub), "flush");
  while (!counter.done) std::this_thread::sleep_for(std::chrono::microseconds(200));
  double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  for (auto* s : subs) natsSubscription_Destroy(s);
  for (auto* c : conns) natsConnection_Destroy(c);
  natsConnection_Destroy(pub);
  return secs;
}

}  // namespace

int main(int argc, char** argv) {
  auto a = parse(argc, argv);
  double secs = 0;
  if (a.url.starts_with("cosmo://")) {
    auto [host, port] = raw_bench::host_port(a.url);
    secs = run_cosmo(a, host, port);
  } else if (a.url.starts_with("nats://")) {
    secs = run_nats(a);
  } else {
    die("--url must be cosmo:// or nats://");
  }
  double rate = static_cast<double>(a.msgs) / secs;
  std::string shape = a.group ? "group" + std::to_string(a.subs) : "1to" + std::to_string(a.subs);
  std::printf(
      "{\"url\":\"%s\",\"shape\":\"%s\",\"size\":%zu,\"msgs\":%zu,\"seconds\":%.3f,"
      "\"msgs_per_s\":%.0f,\"mb_per_s\":%.1f}\n",
      a.url.c_str(), shape.c_str(), a.size, a.msgs, secs, rate,
      rate * static_cast<double>(a.size) / 1e6);
  return 0;
}
