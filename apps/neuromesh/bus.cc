// `neuromesh bus emit` and `neuromesh bus poll`: a shell on the event bus over Redis Streams or
// JetStream, for scripts and tests (issue 17).
//
//   neuromesh bus emit --adapter redis://HOST:PORT|nats://HOST:PORT [--prefix P] [--shards N]
//                      [--nonce-file F]      < events.jsonl
//     emits each stdin line (one JSON document per line; blank lines skipped), flushes, and
//     prints the bus stats as one JSON line. A line that is not JSON is named on stderr and
//     not emitted; the exit code is then 1, as it is when any event was not delivered.
//   neuromesh bus poll --adapter URL [--prefix P] [--limit N] [--json] [--shards N]
//     prints every event the backend holds for the prefix from the start, one payload per
//     line (--json: {"shard","id","dedup_id","insertion_ts","event"}). --shards is the count
//     the producers used (default 4, the bus default).
#include "command.h"
#include "neuromesh/bus/errc.h"
#include "neuromesh/bus/error.h"
#include "neuromesh/bus/net.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace {

namespace bus = neuromesh::bus;
namespace cli = neuromesh::cli;

struct bus_args {
  std::string adapter;
  std::string prefix = "net";
  std::uint16_t shards = 4;
  std::string nonce_file;
  std::size_t limit = 0;  // 0 = everything
  bool json = false;
};

// Points the builder at the URL's backend; nullopt (after a message) for an unknown scheme.
bool configure(bus::net_builder& b, const bus_args& a) {
  if (a.adapter.starts_with("redis://")) {
    auto c = bus::redis_adapter_config::from_url(a.adapter);
    c.prefix = a.prefix;
    b.redis(c);
    return true;
  }
  if (a.adapter.starts_with("nats://")) {
    auto c = bus::jetstream_adapter_config::from_url(a.adapter);
    c.prefix = a.prefix;
    b.jetstream(c);
    return true;
  }
  std::fprintf(stderr, "--adapter: expected redis://HOST:PORT or nats://HOST:PORT, got '%s'\n",
               a.adapter.c_str());
  return false;
}

std::optional<bus::net> build(bus::net_builder& b, const bus_args& a) {
  if (!configure(b, a)) return std::nullopt;
  try {
    return b.shards(a.shards).build();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bus: %s\n", e.what());
    return std::nullopt;
  }
}

boost::json::object stats_json(const bus::bus_stats& s, std::uint64_t rejected_lines) {
  return {{"events_ingested", s.events_ingested},
          {"events_dispatched", s.events_dispatched},
          {"events_dropped", s.events_dropped},
          {"dropped_newest", s.dropped_newest},
          {"dropped_oldest", s.dropped_oldest},
          {"dropped_sampled", s.dropped_sampled},
          {"rejected_fail_producer", s.rejected_fail_producer},
          {"events_unrouted", s.events_unrouted},
          {"dispatch_failed", s.dispatch_failed},
          {"batches_dispatched", s.batches_dispatched},
          {"adapter_transient_errors", s.adapter_transient_errors},
          {"adapter_fatal_errors", s.adapter_fatal_errors},
          {"adapter_retries", s.adapter_retries},
          {"sequence_leases", s.sequence_leases},
          {"sequence_lease_failures", s.sequence_lease_failures},
          {"rejected_lines", rejected_lines}};
}

void run_emit(const bus_args& a) {
  // fail_producer: a full ring is answered by flushing and trying again, so no line is lost.
  auto b = bus::net::builder();
  b.backpressure(bus::backpressure::fail_producer);
  if (!a.nonce_file.empty()) b.producer_nonce_path(a.nonce_file);
  auto node = build(b, a);
  if (!node) return cli::set_exit_code(1);
  std::string line;
  std::uint64_t line_no = 0, rejected = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    boost::system::error_code ec;
    (void)boost::json::parse(line, ec);
    if (ec) {
      std::fprintf(stderr, "line %llu: not JSON: %s\n", static_cast<unsigned long long>(line_no),
                   ec.message().c_str());
      ++rejected;
      continue;
    }
    auto r = node->emit_str(line);
    while (!r && r.error() == bus::errc::backpressure) {
      (void)node->flush();
      r = node->emit_str(line);
    }
    if (!r)
      std::fprintf(stderr, "line %llu: %s\n", static_cast<unsigned long long>(line_no),
                   r.error().message().c_str());
  }
  auto flushed = node->flush();
  if (!flushed) std::fprintf(stderr, "flush: %s\n", flushed.error().message().c_str());
  (void)node->shutdown();
  auto st = node->stats();
  std::printf("%s\n", boost::json::serialize(stats_json(st, rejected)).c_str());
  if (!flushed || rejected > 0 || st.events_dropped > 0) cli::set_exit_code(1);
}

void print_event(const bus::event& e, bool json) {
  if (!json) {
    std::fwrite(e.raw_str().data(), 1, e.raw_str().size(), stdout);
    std::fputc('\n', stdout);
    return;
  }
  boost::json::object o{{"shard", e.shard_id},
                        {"id", e.id},
                        {"dedup_id", e.dedup_id},
                        {"insertion_ts", e.insertion_ts}};
  if (auto v = e.json()) {
    o["event"] = std::move(*v);
  } else {
    o["event"] = e.raw_str();  // a foreign producer's non-JSON payload, as a string
  }
  std::printf("%s\n", boost::json::serialize(o).c_str());
}

void run_poll(const bus_args& a) {
  auto b = bus::net::builder();
  auto node = build(b, a);
  if (!node) return cli::set_exit_code(1);
  bus::poll_request req;
  req.limit = 1000;
  std::size_t shown = 0;
  for (;;) {
    if (a.limit) req.limit = std::min<std::size_t>(1000, a.limit - shown);
    auto page = node->poll(req);
    if (!page) {
      std::fprintf(stderr, "poll: %s\n", page.error().message().c_str());
      cli::set_exit_code(1);
      break;
    }
    for (const auto& e : page->events) print_event(e, a.json);
    shown += page->events.size();
    req.cursor = page->next_cursor;
    if (!page->has_more || (a.limit && shown >= a.limit)) break;
  }
  std::fflush(stdout);
  (void)node->shutdown();
}

void add_common(CLI::App* cmd, bus_args& a) {
  cmd->add_option("--adapter", a.adapter, "redis://HOST:PORT or nats://HOST:PORT")->required();
  cmd->add_option("--prefix", a.prefix, "Stream prefix (default net)");
  cmd->add_option("--shards", a.shards, "Shard count (default 4)")->check(CLI::Range(1, 1024));
}

void add_bus(CLI::App& root) {
  auto* cmd = root.add_subcommand("bus", "Emit to and read from the event bus (Redis, JetStream)");
  cmd->require_subcommand(1);
  static bus_args emit_args, poll_args;
  auto* emit = cmd->add_subcommand(
      "emit", "Emit stdin lines (one JSON event each), flush, print the stats as JSON");
  add_common(emit, emit_args);
  emit->add_option("--nonce-file", emit_args.nonce_file,
                   "Persist the producer nonce and sequence leases here");
  emit->callback([] { run_emit(emit_args); });
  auto* poll = cmd->add_subcommand("poll", "Print every stored event of the prefix, one per line");
  add_common(poll, poll_args);
  poll->add_option("--limit", poll_args.limit, "Print at most N events (default all)");
  poll->add_flag("--json", poll_args.json, "One JSON object per event: shard, id, dedup_id");
  poll->callback([] { run_poll(poll_args); });
}

const cli::registrar reg{"bus", 85, add_bus};

}  // namespace
