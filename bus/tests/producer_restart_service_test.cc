// Issue 17, through the bus on real servers (NEUROMESH_REDIS_URL / NEUROMESH_NATS_URL from
// scripts/services): a producer with producer_nonce_path runs as a child process, emits,
// flushes and keeps emitting until it is SIGKILLed; a restarted producer (this process, same
// nonce path) emits new events. Every new event must land (JetStream used to drop them as
// duplicates of the first run's ids), and a batch the restarted producer retries after a
// lost reply / ack must be stored once (JetStream) or removed by dedup (Redis). And events
// replayed with their own ids (emit_with_id) are deduplicated across runs.
#include "neuromesh/bus/jetstream_adapter.h"
#include "neuromesh/bus/net.h"
#include "neuromesh/bus/producer_nonce.h"
#include "neuromesh/bus/redis_adapter.h"
#include "neuromesh/bus/redis_stream_dedup.h"
#include "neuromesh/testing/testing.h"
#include "poll_all.h"
#include "test_adapters.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>

namespace neuromesh::bus::test {
namespace {

using namespace std::chrono_literals;

std::string unique_prefix() { return fmt::format("r{:x}", fresh_producer_nonce()); }

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    throw std::runtime_error(std::string(name) +
                             " is not set: run scripts/services start DIR and source DIR/env");
  }
  return v;
}

using make_adapter = std::function<std::unique_ptr<adapter>()>;

net producer(const std::string& nonce_path, const make_adapter& make, bool lose_first_reply) {
  return net::builder()
      .shards(2)
      .ring_capacity(1024)
      .retry_backoff(5ms)
      .producer_nonce_path(nonce_path)
      .custom([&](const bus_config&) -> std::unique_ptr<adapter> {
        if (lose_first_reply) return std::make_unique<lands_then_times_out>(make());
        return make();
      })
      .build();
}

// The first producer, in a forked child: emits `first` events, flushes, reports "ready" on
// the pipe, then emits (and flushes) forever, so the kill lands while batches are in flight.
pid_t start_first_producer(const std::string& nonce_path, const make_adapter& make, int first,
                           int& ready_fd) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    ::close(fds[0]);
    try {
      auto node = producer(nonce_path, make, false);
      for (int i = 0; i < first; ++i) (void)node.emit_str(fmt::format(R"({{"run":1,"i":{}}})", i));
      const char* msg = node.flush(10s) ? "ready\n" : "flush failed\n";
      (void)::write(fds[1], msg, std::strlen(msg));
      for (int i = first;; ++i) {
        (void)node.emit_str(fmt::format(R"({{"run":1,"i":{}}})", i));
        if (i % 64 == 0) (void)node.flush(10s);
      }
    } catch (const std::exception& e) {
      std::string msg = std::string("error: ") + e.what() + "\n";
      (void)::write(fds[1], msg.data(), msg.size());
    }
    ::_exit(1);
  }
  ::close(fds[1]);
  ready_fd = fds[0];
  return pid;
}

std::string read_line(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

struct restart_outcome {
  bus_stats second;
  std::vector<event> stored;
};

restart_outcome run_kill_restart(const make_adapter& make) {
  auto dir = std::filesystem::temp_directory_path() / unique_prefix();
  std::filesystem::create_directories(dir);
  const auto nonce_path = (dir / "producer.nonce").string();
  int ready_fd = -1;
  pid_t child = start_first_producer(nonce_path, make, 10, ready_fd);
  const std::string ready = read_line(ready_fd);
  ::close(ready_fd);
  // Let the child stream past its flushed first events before killing it.
  {
    auto probe = make();
    EXPECT_TRUE(probe->init(2));
    EXPECT_TRUE(testing::eventually([&] {
      std::size_t seen = 0;
      for (std::uint16_t s = 0; s < 2; ++s) {
        auto page = probe->poll_shard(s, "", 11);
        if (page) seen += page->events.size();
      }
      return seen > 10;
    }));
    probe->shutdown();
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(ready, "ready");
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  restart_outcome out;
  {
    auto node = producer(nonce_path, make, true);
    for (int i = 0; i < 10; ++i) {
      EXPECT_TRUE(node.emit_str(fmt::format(R"({{"run":2,"i":{}}})", i)));
    }
    EXPECT_TRUE(node.flush(10s));
    out.second = node.stats();
    out.stored = poll_all(node, poll_request{.limit = 1000});
    EXPECT_TRUE(node.shutdown());
  }
  std::filesystem::remove_all(dir);
  return out;
}

// How many stored copies each second-run event has, before and after redis_stream_dedup
// (one filter per shard stream).
std::map<std::int64_t, std::pair<int, int>> second_run_copies(const std::vector<event>& stored) {
  std::map<std::int64_t, std::pair<int, int>> copies;
  std::map<std::uint16_t, redis_stream_dedup> dedup;
  for (const auto& e : stored) {
    EXPECT_FALSE(e.dedup_id.empty());
    bool dup = dedup[e.shard_id].is_duplicate(e.dedup_id);
    auto v = e.json().value().as_object();
    if (v.at("run").as_int64() != 2) continue;
    auto& c = copies[v.at("i").as_int64()];
    ++c.first;
    if (!dup) ++c.second;
  }
  return copies;
}

TEST(producer_restart, redis_every_new_event_lands_and_a_retried_batch_dedups_to_one) {
  const auto url = required_env("NEUROMESH_REDIS_URL");
  const auto prefix = unique_prefix();
  auto r = run_kill_restart([&] {
    redis_adapter_config c;
    c.url = url;
    c.prefix = prefix;
    return std::make_unique<redis_adapter>(c);
  });
  EXPECT_EQ(r.second.events_dispatched, 10u);
  EXPECT_EQ(r.second.events_dropped, 0u);
  EXPECT_EQ(r.second.adapter_retries, 1u);  // the lost reply
  EXPECT_GE(r.second.sequence_leases, 1u);
  auto copies = second_run_copies(r.stored);
  ASSERT_EQ(copies.size(), 10u);
  int stored_twice = 0;
  for (const auto& [i, c] : copies) {
    EXPECT_EQ(c.second, 1) << "event " << i << " after dedup";
    stored_twice += c.first > 1;
  }
  EXPECT_GT(stored_twice, 0);  // Redis keeps the retried copy; dedup removes it
}

TEST(producer_restart, jetstream_every_new_event_lands_and_a_retried_batch_is_stored_once) {
  const auto url = required_env("NEUROMESH_NATS_URL");
  const auto prefix = unique_prefix();
  auto r = run_kill_restart([&] {
    jetstream_adapter_config c;
    c.url = url;
    c.prefix = prefix;
    return std::make_unique<jetstream_adapter>(c);
  });
  EXPECT_EQ(r.second.events_dispatched, 10u);
  EXPECT_EQ(r.second.events_dropped, 0u);
  EXPECT_EQ(r.second.adapter_retries, 1u);
  auto copies = second_run_copies(r.stored);
  ASSERT_EQ(copies.size(), 10u);
  for (const auto& [i, c] : copies) EXPECT_EQ(c.first, 1) << "event " << i;
}

// A producer that replays deterministically: the same 10 events with their own ids, emitted
// by two runs of the bus (the second as after a crash). JetStream stores each once; on Redis
// both copies are stored and dedup leaves one.
std::vector<event> replay_with_own_ids(const make_adapter& make) {
  for (int run = 0; run < 2; ++run) {
    auto node = net::builder().shards(2).custom([&](const bus_config&) { return make(); }).build();
    for (int i = 0; i < 10; ++i) {
      EXPECT_TRUE(
          node.emit_with_id(fmt::format("order-{}", i), fmt::format(R"({{"run":2,"i":{}}})", i)));
    }
    EXPECT_TRUE(node.flush(10s));
    if (run == 1) {
      auto stored = poll_all(node, poll_request{.limit = 1000});
      EXPECT_TRUE(node.shutdown());
      return stored;
    }
    EXPECT_TRUE(node.shutdown());
  }
  return {};
}

TEST(producer_restart, redis_a_replay_with_own_ids_dedups_to_one) {
  const auto url = required_env("NEUROMESH_REDIS_URL");
  const auto prefix = unique_prefix();
  auto stored = replay_with_own_ids([&] {
    redis_adapter_config c;
    c.url = url;
    c.prefix = prefix;
    return std::make_unique<redis_adapter>(c);
  });
  EXPECT_EQ(stored.size(), 20u);
  auto copies = second_run_copies(stored);
  ASSERT_EQ(copies.size(), 10u);
  for (const auto& [i, c] : copies) {
    EXPECT_EQ(c.first, 2) << "event " << i;
    EXPECT_EQ(c.second, 1) << "event " << i;
  }
  EXPECT_EQ(stored[0].dedup_id.rfind("order-", 0), 0u) << stored[0].dedup_id;
}

TEST(producer_restart, jetstream_a_replay_with_own_ids_is_stored_once) {
  const auto url = required_env("NEUROMESH_NATS_URL");
  const auto prefix = unique_prefix();
  auto stored = replay_with_own_ids([&] {
    jetstream_adapter_config c;
    c.url = url;
    c.prefix = prefix;
    return std::make_unique<jetstream_adapter>(c);
  });
  ASSERT_EQ(stored.size(), 10u);
  for (const auto& e : stored) EXPECT_EQ(e.dedup_id.rfind("order-", 0), 0u) << e.dedup_id;
}

}  // namespace
}  // namespace neuromesh::bus::test
