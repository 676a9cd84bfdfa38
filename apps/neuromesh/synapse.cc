// neuromesh synapse start|view|stop (reference/cosmonapse.md §8): run the cosmo:// dev
// broker, list or watch its namespaces, stop one.
#include "command.h"
#include "neuromesh/protocol/codec.h"
#include "neuromesh/synapse/broker_server.h"
#include "neuromesh/synapse/busy_poll.h"
#include "neuromesh/synapse/cosmo_line.h"
#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/synapse/signal_row.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace syn = neuromesh::synapse;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

void out(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}
void err(const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }

// Management connections (owner, view, stop) are cosmo_line: plaintext or TLS, liveness
// pings answered inside async_read_line.
using conn_ptr = std::shared_ptr<syn::cosmo_line>;

asio::awaitable<std::optional<std::string>> async_read_line(conn_ptr c) {
  return c->async_read_line();
}

asio::awaitable<bool> async_send_line(conn_ptr c, std::string line) {
  return c->async_send_line(std::move(line));
}

// Connects and checks the welcome line; null if the broker is not there.
asio::awaitable<conn_ptr> async_open(syn::cosmo_options where) {
  auto opening = syn::cosmo_line::async_open(std::move(where));
  auto c = co_await std::move(opening);
  if (!c) co_return nullptr;
  co_return *c;
}

std::string json_string(std::string_view s) {
  return boost::json::serialize(boost::json::value(boost::json::string(s)));
}

void print_frame(std::string_view subject, std::string_view frame, bool json) {
  if (json) {
    out(std::string(frame));
    return;
  }
  auto s = neuromesh::protocol::decode(frame);
  out(s ? syn::signal_row(*s) : syn::raw_frame_row(subject, frame));
}

// Resolves a --url for view/stop: only the cosmo:// broker has a namespace registry.
std::optional<syn::cosmo_options> cosmo_url(const std::string& url, const char* what) {
  auto o = syn::cosmo_synapse::parse_url(url);
  if (o) return *o;
  if (url.size() > 4 && (url.starts_with("nats") || url.starts_with("NATS")))
    err(
        fmt::format("synapse {}: {} is a NATS URL; only the cosmo:// broker keeps a namespace "
                    "registry (watch NATS traffic with `neuromesh tail --url {}`)",
                    what, url, url));
  else
    err(fmt::format(
        "synapse {}: --url '{}' is not cosmo://host:port or cosmos://host:port[?ca=...]", what,
        url));
  return std::nullopt;
}

// ---- start -------------------------------------------------------------------------------

struct start_args {
  std::string transport = "memory";
  std::string host = "127.0.0.1";
  int port = 7070;
  std::string ns = "dev";
  bool print = false;
  bool quiet = false;  // accepted for compatibility: printing is off unless --print
  syn::broker_options broker;
  int slow_consumer_ms = 2000;
  int ping_interval_ms = 120000;
  int busy_poll_us = 0;
};

// Prints routed Signals off the broker's thread: the broker only appends to a bounded
// queue (never blocks on the console); a full queue drops and counts.
class signal_printer {
 public:
  explicit signal_printer(std::size_t capacity) : capacity_(capacity) {
    thread_ = std::thread([this] { run(); });
  }
  ~signal_printer() { stop(); }
  signal_printer(const signal_printer&) = delete;
  signal_printer& operator=(const signal_printer&) = delete;

  void push(std::string_view subject, std::string_view frame) {
    std::lock_guard lock(mu_);
    if (queue_.size() >= capacity_) {
      ++dropped_;
      return;
    }
    queue_.emplace_back(std::string(subject), std::string(frame));
    if (queue_.size() == 1) cv_.notify_one();
  }
  /// Prints what is queued, then stops; returns how many were dropped.
  std::uint64_t stop() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mu_);
    return dropped_;
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto batch = std::move(queue_);
      queue_.clear();
      lock.unlock();
      for (auto& [subject, frame] : batch) print_frame(subject, frame, false);
      lock.lock();
    }
  }

  std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, std::string>> queue_;
  std::uint64_t dropped_ = 0;
  bool done_ = false;
  std::thread thread_;
};

// Waits for ns_stopping for our namespace on the owner connection (or for it to close).
asio::awaitable<std::string> async_watch_namespace(conn_ptr c, std::string ns) {
  while (auto line = co_await async_read_line(c)) {
    boost::system::error_code ec;
    auto v = boost::json::parse(*line, ec);
    if (ec || !v.is_object()) continue;
    auto& o = v.get_object();
    if (o.contains("op") && o.at("op") == "ns_stopping" && o.contains("namespace") &&
        o.at("namespace") == boost::json::string_view(ns))
      co_return "namespace '" + ns + "' stopped by mgmt_stop";
  }
  co_return std::string("management connection closed");
}

asio::awaitable<int> async_serve(std::shared_ptr<syn::broker_server> server,
                                 std::shared_ptr<asio::signal_set> signals,
                                 std::shared_ptr<signal_printer> printer, start_args a) {
  // Like the reference: a second connection to ourselves registers the namespace and
  // receives ns_stopping when someone stops it.
  // Our own process: its certificate is not verified; with --tls-client-ca the owner
  // presents the broker's own certificate (signed by that CA in the usual setup).
  syn::cosmo_options self_url;
  self_url.host = a.host;
  self_url.port = server->port();
  self_url.tls = !a.broker.tls_cert_file.empty();
  self_url.tls_verify = false;
  if (!a.broker.tls_client_ca_file.empty()) {
    self_url.tls_cert_file = a.broker.tls_cert_file;
    self_url.tls_key_file = a.broker.tls_key_file;
  }
  auto owner = co_await async_open(self_url);
  if (!owner) {
    err("synapse start: cannot connect to the broker just started");
    co_await server->async_stop();
    co_return 1;
  }
  co_await async_send_line(owner, "{\"op\":\"ns_register\",\"namespace\":" + json_string(a.ns) +
                                      ",\"transport\":\"memory\"}");
  // The banner (with the port) only once the namespace is registered, so whoever reads it
  // can use the namespace at once.
  (void)co_await async_read_line(owner);
  out(fmt::format("synapse: memory broker listening on {} (namespace '{}', port {})", server->url(),
                  a.ns, server->port()));
  if (printer) out(syn::signal_row_header());
  auto why =
      co_await (async_watch_namespace(owner, a.ns) || signals->async_wait(asio::use_awaitable));
  std::string reason =
      why.index() == 0 ? std::get<0>(why) : "signal " + std::to_string(std::get<1>(why));
  out("synapse: stopping (" + reason + ")");
  // Phased: stop accepting, let queues flush (bounded), then close.
  co_await server->async_stop();
  auto st = server->stats();
  std::uint64_t print_drops = printer ? printer->stop() : 0;
  out(fmt::format(
      "synapse: stopped; {} signals routed, {} deliveries, {} slow consumers cut, {} stale "
      "connections closed, {} producer stalls, {} connections and {} subscriptions rejected{}",
      st.published, st.delivered, st.slow_consumers, st.stale_connections, st.producer_stalls,
      st.connections_rejected, st.subscriptions_rejected,
      printer ? fmt::format(", {} signals not printed (console too slow)", print_drops) : ""));
  co_return 0;
}

void run_start(const start_args& a) {
  if (a.transport != "memory") {
    err("synapse start: only 'memory' (the cosmo:// dev broker) is served by this build; "
        "for NATS run nats-server and use nats:// URLs");
    neuromesh::cli::set_exit_code(2);
    return;
  }
  asio::io_context ctx(1);
  // Installed before the banner: a signal that arrives once the port is printed is honoured.
  auto signals = std::make_shared<asio::signal_set>(ctx, SIGINT, SIGTERM);
  syn::broker_options o = a.broker;
  o.host = a.host;
  o.port = static_cast<std::uint16_t>(a.port);
  o.slow_consumer_timeout = std::chrono::milliseconds(a.slow_consumer_ms);
  o.ping_interval = std::chrono::milliseconds(a.ping_interval_ms);
  std::shared_ptr<signal_printer> printer;
  if (a.print && !a.quiet) {
    printer = std::make_shared<signal_printer>(4096);
    o.on_signal = [printer](std::string_view subject, std::string_view frame) {
      printer->push(subject, frame);
    };
  }
  std::shared_ptr<syn::broker_server> server;
  try {
    server = std::make_shared<syn::broker_server>(ctx.get_executor(), o);
  } catch (const std::exception& e) {  // TLS files that do not load
    err(fmt::format("synapse start: {}", e.what()));
    neuromesh::cli::set_exit_code(2);
    return;
  }
  if (auto ec = server->listen()) {
    err(fmt::format("synapse start: cannot listen on {}:{}: {}", a.host, a.port, ec.message()));
    neuromesh::cli::set_exit_code(1);
    return;
  }
  server->start();
  auto done = asio::co_spawn(ctx, async_serve(server, signals, printer, a), asio::use_future);
  syn::run_busy_polling(ctx, std::chrono::microseconds(a.busy_poll_us));
  neuromesh::cli::set_exit_code(done.get());
}

// ---- view / stop -------------------------------------------------------------------------

struct view_args {
  std::string url;
  std::string ns;
  bool json = false;
};

asio::awaitable<int> async_view(view_args a, syn::cosmo_options where) {
  auto c = co_await async_open(where);
  if (!c) {
    err(fmt::format("synapse view: cannot connect to {}. Is a synapse running there?", a.url));
    co_return 1;
  }
  if (a.ns.empty()) {
    co_await async_send_line(c, R"({"op":"mgmt_list"})");
    auto line = co_await async_read_line(c);
    if (!line) co_return 1;
    if (a.json) {
      out(*line);
      co_return 0;
    }
    auto v = boost::json::parse(*line);
    out(fmt::format("{:<20}  {:<10}  {:>10}  {}", "NAMESPACE", "TRANSPORT", "SIGNALS", "STARTED"));
    for (const auto& n : v.at("namespaces").as_array()) {
      const auto& o = n.as_object();
      auto str = [&](const char* k) {
        auto* x = o.if_contains(k);
        return x && x->is_string() ? std::string(x->get_string()) : std::string("-");
      };
      out(fmt::format("{:<20}  {:<10}  {:>10}  {}", str("namespace"), str("transport"),
                      boost::json::serialize(o.at("signal_count")), str("started_at")));
    }
    co_return 0;
  }
  co_await async_send_line(c, "{\"op\":\"mgmt_info\",\"namespace\":" + json_string(a.ns) + "}");
  auto line = co_await async_read_line(c);
  if (!line) co_return 1;
  auto v = boost::json::parse(*line).as_object();
  if (v.at("op") == "err") {
    err("synapse view: " + std::string(v.at("message").as_string()));
    co_return 1;
  }
  if (a.json)
    out(*line);
  else
    out(fmt::format(
        "namespace '{}': transport {}, {} signals, {} clients, started {}", a.ns,
        boost::json::serialize(v.at("transport")), boost::json::serialize(v.at("signal_count")),
        boost::json::serialize(v.at("client_count")), boost::json::serialize(v.at("started_at"))));
  // Live stream of the namespace, as the reference does with sub_id "view1".
  co_await async_send_line(c, "{\"op\":\"sub\",\"sub_id\":\"view1\",\"subject\":" +
                                  json_string("cosmonapse." + a.ns + ".>") +
                                  ",\"queue_group\":null}");
  if (!a.json) out(syn::signal_row_header());
  while (auto l = co_await async_read_line(c)) {
    boost::system::error_code ec;
    auto m = boost::json::parse(*l, ec);
    if (ec || !m.is_object() || m.as_object().if_contains("op") == nullptr || m.at("op") != "msg")
      continue;
    auto& o = m.as_object();
    auto* frame = o.if_contains("frame");
    auto* subject = o.if_contains("subject");
    if (frame && frame->is_string() && subject && subject->is_string())
      print_frame(subject->get_string(), frame->get_string(), a.json);
  }
  co_return 0;
}

asio::awaitable<int> async_view_until_signal(view_args a, syn::cosmo_options where) {
  asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM);
  auto r = co_await (async_view(a, where) || signals.async_wait(asio::use_awaitable));
  co_return r.index() == 0 ? std::get<0>(r) : 0;
}

asio::awaitable<int> async_stop_ns(std::string url, std::string ns, syn::cosmo_options where) {
  auto c = co_await async_open(where);
  if (!c) {
    err(fmt::format("synapse stop: cannot connect to {}. Is a synapse running there?", url));
    co_return 1;
  }
  co_await async_send_line(c, "{\"op\":\"mgmt_stop\",\"namespace\":" + json_string(ns) + "}");
  auto line = co_await async_read_line(c);
  if (!line) {
    err("synapse stop: the broker closed the connection without answering");
    co_return 1;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(*line, ec);
  if (!ec && v.is_object() && v.as_object().contains("op")) {
    if (v.at("op") == "mgmt_stop_ack") {
      out(fmt::format("Stopped namespace '{}' on {}.", ns, url));
      co_return 0;
    }
    if (v.at("op") == "err" && v.at("message").is_string()) {
      err("synapse stop: " + std::string(v.at("message").get_string()));
      co_return 1;
    }
  }
  err("synapse stop: unexpected response: " + *line);
  co_return 1;
}

// Runs a management coroutine with an overall deadline.
int run_admin(asio::io_context& ctx, std::future<int> done, std::chrono::seconds deadline) {
  ctx.run_for(deadline);
  if (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    err("synapse: the broker did not answer in time");
    return 1;
  }
  return done.get();
}

void add_synapse(CLI::App& root) {
  auto* cmd = root.add_subcommand("synapse", "Run and manage the cosmo:// dev broker");
  cmd->require_subcommand(1);

  auto sa = std::make_shared<start_args>();
  auto* start = cmd->add_subcommand("start", "Start a synapse (memory = the cosmo:// broker)");
  start->add_option("transport", sa->transport, "memory")->required();
  start->add_option("--host", sa->host, "Address to listen on")->capture_default_str();
  start->add_option("--port", sa->port, "Port (0 picks a free one and prints it)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  start->add_option("-n,--namespace", sa->ns, "Namespace to register")->capture_default_str();
  start->add_flag("--print", sa->print,
                  "Print every routed signal (through a bounded queue; drops are counted)");
  start->add_flag("--quiet", sa->quiet, "Do not print signals (the default; overrides --print)");
  start->add_option("--max-line-bytes", sa->broker.max_line_bytes, "Longest accepted line")
      ->check(CLI::Range(std::size_t{64}, std::size_t{1} << 30))
      ->capture_default_str();
  start
      ->add_option("--max-outbound-bytes", sa->broker.max_outbound_bytes,
                   "Hard cap of one session's outbound queue")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 34))
      ->capture_default_str();
  start
      ->add_option("--high-water-bytes", sa->broker.outbound_high_water,
                   "Outbound queue size above which its publishers are paused")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 34))
      ->capture_default_str();
  start
      ->add_option("--slow-consumer-ms", sa->slow_consumer_ms,
                   "No write progress this long while over high water: the session is closed")
      ->check(CLI::Range(10, 3600 * 1000))
      ->capture_default_str();
  start
      ->add_option("--ping-interval-ms", sa->ping_interval_ms,
                   "Liveness: ping a silent session this often (0 = off; nats-server: 2 min)")
      ->check(CLI::Range(0, 24 * 3600 * 1000))
      ->capture_default_str();
  start
      ->add_option("--busy-poll-us", sa->busy_poll_us,
                   "Keep polling this long after each burst of work before sleeping: lower "
                   "latency for CPU (0 = off)")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  start
      ->add_option("--max-pings-out", sa->broker.max_pings_outstanding,
                   "Unanswered pings at which a session that answers pings is closed as stale")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}))
      ->capture_default_str();
  start->add_flag("--require-pong", sa->broker.require_pong,
                  "Close every silent session that does not answer pings, even one that never "
                  "did (cuts Python DevSynapse clients: only for all-neuromesh meshes)");
  start->add_option("--tls-cert", sa->broker.tls_cert_file,
                    "PEM certificate chain: serve cosmos:// (TLS) only (with --tls-key)");
  start->add_option("--tls-key", sa->broker.tls_key_file, "PEM private key of --tls-cert");
  start->add_option("--tls-client-ca,--tls-ca", sa->broker.tls_client_ca_file,
                    "Require client certificates signed by this CA (mutual TLS)");
  start->add_option("--max-connections", sa->broker.max_connections, "0 = unlimited")
      ->capture_default_str();
  start
      ->add_option("--max-subscriptions", sa->broker.max_subscriptions,
                   "Per connection; 0 = unlimited")
      ->capture_default_str();
  start->callback([sa] { run_start(*sa); });

  auto va = std::make_shared<view_args>();
  auto* view = cmd->add_subcommand("view", "List namespaces, or show and watch one");
  view->add_option("--url", va->url, "cosmo://host:port")->required();
  view->add_option("-n,--namespace", va->ns, "Namespace to show and stream");
  view->add_flag("--json", va->json, "Raw JSON instead of a table");
  view->callback([va] {
    auto where = cosmo_url(va->url, "view");
    if (!where) return neuromesh::cli::set_exit_code(2);
    asio::io_context ctx(1);
    if (va->ns.empty()) {
      auto done = asio::co_spawn(ctx, async_view(*va, *where), asio::use_future);
      return neuromesh::cli::set_exit_code(
          run_admin(ctx, std::move(done), std::chrono::seconds(5)));
    }
    auto done = asio::co_spawn(ctx, async_view_until_signal(*va, *where), asio::use_future);
    ctx.run();
    neuromesh::cli::set_exit_code(done.get());
  });

  auto stop_url = std::make_shared<std::string>();
  auto stop_ns = std::make_shared<std::string>();
  auto* stop = cmd->add_subcommand("stop", "Stop a namespace (its synapse process exits)");
  stop->add_option("--url", *stop_url, "cosmo://host:port")->required();
  stop->add_option("-n,--namespace", *stop_ns, "Namespace to stop")->required();
  stop->callback([stop_url, stop_ns] {
    auto where = cosmo_url(*stop_url, "stop");
    if (!where) return neuromesh::cli::set_exit_code(2);
    asio::io_context ctx(1);
    auto done = asio::co_spawn(ctx, async_stop_ns(*stop_url, *stop_ns, *where), asio::use_future);
    neuromesh::cli::set_exit_code(run_admin(ctx, std::move(done), std::chrono::seconds(5)));
  });
}

const neuromesh::cli::registrar reg{"synapse", 20, add_synapse};

}  // namespace
