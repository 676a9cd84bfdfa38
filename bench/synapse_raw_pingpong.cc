// Raw request/reply latency through a broker, like `nats bench`'s request mode but one
// request at a time: a requester publishes --size bytes on lat.req, a responder (its own
// connection and thread) publishes them back on lat.rep, the requester waits for that
// reply before the next round. Each round crosses the broker twice (client -> broker ->
// client -> broker -> client), which is the shape of a sequential dispatch. No neuromesh
// code in the clients, so only the servers and the wire are measured:
//   cosmo://host:port     NDJSON over blocking POSIX sockets (`pub` in, `msg` out)
//   nats://host:port      nats.c, SendAsap on both connections: the responder answers in
//                         an async subscription callback, the requester waits in
//                         natsSubscription_NextMsg (nats.c's own thread hand-offs included)
//   natsraw://host:port   the NATS text protocol over blocking POSIX sockets (PUB / MSG),
//                         the same client shape as cosmo:// (the server alone)
// One line of JSON on stdout:
//   {"url":..,"size":..,"rounds":..,"p50_us":..,"p90_us":..,"p99_us":..,"mean_us":..}
//   synapse_raw_pingpong --url cosmo://127.0.0.1:7070 --rounds 5000 --size 300
#include "synapse_raw_socket.h"

#include <CLI/CLI.hpp>
#include <nats/nats.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using raw_bench::die;
using raw_bench::line_socket;
using clock_type = std::chrono::steady_clock;

struct args {
  std::string url;
  std::size_t rounds = 5000;
  std::size_t warmup = 200;
  std::size_t size = 300;
};

args parse(int argc, char** argv) {
  args a;
  CLI::App app{"round trips through a broker, one at a time (cosmo://, nats://, natsraw://)"};
  app.add_option("--url", a.url, "broker URL")->required();
  app.add_option("--rounds", a.rounds, "timed round trips")
      ->check(CLI::Range(std::size_t{1}, SIZE_MAX));
  app.add_option("--warmup", a.warmup, "untimed round trips first");
  app.add_option("--size", a.size, "payload bytes");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  return a;
}

using raw_bench::host_port;

// Times `rounds` calls of one_round after `warmup` untimed ones; microseconds, sorted.
template <class F>
std::vector<double> time_rounds(const args& a, F one_round) {
  for (std::size_t i = 0; i < a.warmup; ++i) one_round();
  std::vector<double> us;
  us.reserve(a.rounds);
  for (std::size_t i = 0; i < a.rounds; ++i) {
    auto t0 = clock_type::now();
    one_round();
    us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  return us;
}

// ---- cosmo:// -----------------------------------------------------------------------------

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Subscribes and waits for the pong that follows it (the broker handles lines in order).
void cosmo_subscribe(line_socket& s, std::string_view sub_id, std::string_view subject) {
  s.count_lines(1);  // welcome
  s.send(std::string(R"({"op":"sub","sub_id":")") + std::string(sub_id) + R"(","subject":")" +
         std::string(subject) + "\",\"queue_group\":null}\n{\"op\":\"ping\"}\n");
  while (!starts_with(s.read_line(), R"({"op":"pong")")) {
  }
}

// Reads lines until a msg arrives, answering broker pings on the way.
void cosmo_await_msg(line_socket& s) {
  while (true) {
    auto line = s.read_line();
    if (starts_with(line, R"({"op":"msg")")) return;
    if (starts_with(line, R"({"op":"ping")")) s.send("{\"op\":\"pong\"}\n");
  }
}

std::vector<double> run_cosmo(const args& a) {
  auto [host, port] = host_port(a.url);
  const std::string body(a.size, 'x');
  const std::string request = R"({"op":"pub","subject":"lat.req","frame":")" + body + "\"}\n";
  const std::string reply = R"({"op":"pub","subject":"lat.rep","frame":")" + body + "\"}\n";
  line_socket responder(host, port), requester(host, port);
  cosmo_subscribe(responder, "r", "lat.req");
  cosmo_subscribe(requester, "q", "lat.rep");
  const std::size_t total = a.warmup + a.rounds;
  std::thread echo([&] {
    for (std::size_t i = 0; i < total; ++i) {
      cosmo_await_msg(responder);
      responder.send(reply);
    }
  });
  auto us = time_rounds(a, [&] {
    requester.send(request);
    cosmo_await_msg(requester);
  });
  echo.join();
  return us;
}

// ---- NATS text protocol over raw sockets --------------------------------------------------

void nats_raw_subscribe(line_socket& s, std::string_view subject) {
  s.read_line();  // INFO
  s.send(std::string("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB ") +
         std::string(subject) + " 1\r\nPING\r\n");
  while (!starts_with(s.read_line(), "PONG")) {
  }
}

// Reads until a MSG and its payload have arrived, answering server PINGs on the way.
void nats_raw_await_msg(line_socket& s) {
  while (true) {
    auto line = s.read_line();
    if (starts_with(line, "MSG ")) {
      auto sp = line.rfind(' ');
      std::size_t n = std::stoul(std::string(line.substr(sp + 1)));
      s.read_exact(n + 2);
      return;
    }
    if (starts_with(line, "PING")) s.send("PONG\r\n");
  }
}

std::vector<double> run_nats_raw(const args& a) {
  auto [host, port] = host_port(a.url);
  const std::string body(a.size, 'x');
  const std::string request = "PUB lat.req " + std::to_string(a.size) + "\r\n" + body + "\r\n";
  const std::string reply = "PUB lat.rep " + std::to_string(a.size) + "\r\n" + body + "\r\n";
  line_socket responder(host, port), requester(host, port);
  nats_raw_subscribe(responder, "lat.req");
  nats_raw_subscribe(requester, "lat.rep");
  const std::size_t total = a.warmup + a.rounds;
  std::thread echo([&] {
    for (std::size_t i = 0; i < total; ++i) {
      nats_raw_await_msg(responder);
      responder.send(reply);
    }
  });
  auto us = time_rounds(a, [&] {
    requester.send(request);
    nats_raw_await_msg(requester);
  });
  echo.join();
  return us;
}

// ---- nats.c -------------------------------------------------------------------------------

void check(natsStatus s, const char* what) {
  if (s != NATS_OK) die(std::string(what) + ": " + natsStatus_GetText(s));
}

void on_request(natsConnection* nc, natsSubscription*, natsMsg* msg, void*) {
  natsConnection_Publish(nc, "lat.rep", natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
  natsMsg_Destroy(msg);
}

natsConnection* nats_connect(const std::string& url) {
  natsOptions* o = nullptr;
  check(natsOptions_Create(&o), "options");
  check(natsOptions_SetURL(o, url.c_str()), "url");
  check(natsOptions_SetSendAsap(o, true), "send asap");
  natsConnection* c = nullptr;
  check(natsConnection_Connect(&c, o), "connect");
  natsOptions_Destroy(o);
  return c;
}

std::vector<double> run_nats(const args& a) {
  natsConnection* responder = nats_connect(a.url);
  natsConnection* requester = nats_connect(a.url);
  natsSubscription* on_req = nullptr;
  natsSubscription* replies = nullptr;
  check(natsConnection_Subscribe(&on_req, responder, "lat.req", on_request, nullptr), "subscribe");
  check(natsConnection_SubscribeSync(&replies, requester, "lat.rep"), "subscribe");
  check(natsConnection_Flush(responder), "flush");
  check(natsConnection_Flush(requester), "flush");
  const std::string body(a.size, 'x');
  auto us = time_rounds(a, [&] {
    check(natsConnection_Publish(requester, "lat.req", body.data(), static_cast<int>(body.size())),
          "publish");
    natsMsg* m = nullptr;
    check(natsSubscription_NextMsg(&m, replies, 5000), "reply");
    natsMsg_Destroy(m);
  });
  natsSubscription_Destroy(on_req);
  natsSubscription_Destroy(replies);
  natsConnection_Destroy(responder);
  natsConnection_Destroy(requester);
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  auto a = parse(argc, argv);
  std::vector<double> us;
  if (a.url.starts_with("cosmo://"))
    us = run_cosmo(a);
  else if (a.url.starts_with("natsraw://"))
    us = run_nats_raw(a);
  else if (a.url.starts_with("nats://"))
    us = run_nats(a);
  else
    die("--url must be cosmo://, nats:// or natsraw://");
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<std::size_t>(q * us.size()))];
  };
  double mean = std::accumulate(us.begin(), us.end(), 0.0) / static_cast<double>(us.size());
  std::printf(
      "{\"url\":\"%s\",\"size\":%zu,\"rounds\":%zu,\"p50_us\":%.1f,\"p90_us\":%.1f,"
      "\"p99_us\":%.1f,\"mean_us\":%.1f}\n",
      a.url.c_str(), a.size, a.rounds, at(0.50), at(0.90), at(0.99), mean);
  return 0;
}
