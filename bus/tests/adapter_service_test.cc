// Redis Streams and JetStream against real servers: the conformance suite on the shared
// services (NEUROMESH_REDIS_URL / NEUROMESH_NATS_URL from scripts/services), crash-and-retry
// dedup, and outages on servers this test starts, kills and restarts itself.
#include "adapter_conformance.h"
#include "neuromesh/bus/jetstream_adapter.h"
#include "neuromesh/bus/redis_adapter.h"
#include "neuromesh/bus/redis_stream_dedup.h"
#include "server_process.h"
#include "test_adapters.h"

#include <filesystem>

namespace neuromesh::bus::test {
namespace {

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    throw std::runtime_error(std::string(name) +
                             " is not set: run scripts/services start DIR and source DIR/env");
  }
  return v;
}

redis_adapter_config redis_config(const std::string& url, const std::string& prefix) {
  redis_adapter_config c;
  c.url = url;
  c.prefix = prefix;
  c.command_timeout = 300ms;
  c.connect_timeout = 300ms;
  return c;
}

jetstream_adapter_config nats_config(const std::string& url, const std::string& prefix) {
  jetstream_adapter_config c;
  c.url = url;
  c.prefix = prefix;
  c.connect_timeout = 500ms;
  c.ack_timeout = 500ms;
  return c;
}

INSTANTIATE_TEST_SUITE_P(
    services, adapter_conformance,
    ::testing::Values(backend{"redis",
                              [](net_builder& b, const std::string& prefix) {
                                b.redis(redis_config(required_env("NEUROMESH_REDIS_URL"), prefix));
                              }},
                      backend{"jetstream",
                              [](net_builder& b, const std::string& prefix) {
                                b.jetstream(
                                    nats_config(required_env("NEUROMESH_NATS_URL"), prefix));
                              }}),
    [](const auto& info) { return info.param.name; });

std::vector<internal_event> events(int n) {
  std::vector<internal_event> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({raw_event::copy_of(fmt::format(R"({{"i":{}}})", i)),
                   static_cast<std::uint64_t>(1000 + i)});
  }
  return out;
}

std::vector<event> read_shard(adapter& a, std::uint16_t shard) {
  std::vector<event> out;
  std::string after;
  for (;;) {
    auto page = a.poll_shard(shard, after, 100);
    EXPECT_TRUE(page) << page.error().message();
    if (!page) break;
    for (auto& e : page->events) {
      after = e.id;
      out.push_back(std::move(e));
    }
    if (!page->has_more) break;
  }
  return out;
}

std::size_t unique_after_dedup(const std::vector<event>& all) {
  auto dedup = redis_stream_dedup::with_capacity(10'000);
  std::size_t n = 0;
  for (const auto& e : all) {
    EXPECT_FALSE(e.dedup_id.empty());
    if (!dedup.is_duplicate(e.dedup_id)) ++n;
  }
  return n;
}

// The adapter contract on a hand-built batch: the same batch sent twice, by two connections
// (as when the first connection died before its reply arrived), carries the same ids. The
// restart of a whole producer goes through the bus in producer_restart_service_test.cc.
template <class Adapter, class Config>
std::vector<event> sent_twice(const Config& config) {
  auto dir = std::filesystem::temp_directory_path() / unique_prefix();
  std::filesystem::create_directories(dir);
  auto path = (dir / "producer.nonce").string();
  auto evs = events(50);
  batch b{.shard_id = 0, .sequence_start = 0, .process_nonce = 0, .events = evs};
  {
    b.process_nonce = load_or_create_producer_nonce(path).value();
    Adapter first(config);
    EXPECT_TRUE(first.init(1));
    EXPECT_TRUE(first.on_batch(b, std::chrono::steady_clock::now() + 5s));
  }
  Adapter restarted(config);
  EXPECT_TRUE(restarted.init(1));
  b.process_nonce = load_or_create_producer_nonce(path).value();
  EXPECT_TRUE(restarted.on_batch(b, std::chrono::steady_clock::now() + 5s));
  std::filesystem::remove_all(dir);
  return read_shard(restarted, 0);
}

TEST(redis_adapter, a_batch_sent_twice_on_two_connections_leaves_no_duplicate_after_dedup) {
  auto all =
      sent_twice<redis_adapter>(redis_config(required_env("NEUROMESH_REDIS_URL"), unique_prefix()));
  EXPECT_EQ(all.size(), 100u);  // Redis keeps both copies
  EXPECT_EQ(unique_after_dedup(all), 50u);
  EXPECT_EQ(all[0].dedup_id, all[50].dedup_id);
}

TEST(jetstream_adapter, a_batch_sent_twice_on_two_connections_is_deduplicated_by_the_server) {
  auto all = sent_twice<jetstream_adapter>(
      nats_config(required_env("NEUROMESH_NATS_URL"), unique_prefix()));
  EXPECT_EQ(all.size(), 50u);
  EXPECT_EQ(unique_after_dedup(all), 50u);
}

template <class Adapter, class Config>
std::vector<event> retried_after_timeout(const Config& config, bus_stats& st) {
  auto node =
      net::builder()
          .shards(1)
          .ring_capacity(1024)
          .retry_backoff(5ms)
          .custom([&](const bus_config&) {
            return std::make_unique<lands_then_times_out>(std::make_unique<Adapter>(config));
          })
          .build();
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(node.emit_str(fmt::format(R"({{"i":{}}})", i)));
  EXPECT_TRUE(node.flush(10s));
  st = node.stats();
  auto all = read_shard(node.bus().get_adapter(), 0);
  (void)node.shutdown();
  return all;
}

TEST(redis_adapter, a_batch_retried_after_a_lost_reply_is_removed_by_dedup) {
  bus_stats st;
  auto all = retried_after_timeout<redis_adapter>(
      redis_config(required_env("NEUROMESH_REDIS_URL"), unique_prefix()), st);
  EXPECT_EQ(st.adapter_transient_errors, 1u);
  EXPECT_EQ(st.adapter_retries, 1u);
  EXPECT_EQ(st.events_dispatched, 20u);
  EXPECT_GT(all.size(), 20u);
  EXPECT_EQ(unique_after_dedup(all), 20u);
}

TEST(jetstream_adapter, a_batch_retried_after_a_lost_ack_is_dropped_by_the_server) {
  bus_stats st;
  auto all = retried_after_timeout<jetstream_adapter>(
      nats_config(required_env("NEUROMESH_NATS_URL"), unique_prefix()), st);
  EXPECT_EQ(st.adapter_transient_errors, 1u);
  EXPECT_EQ(all.size(), 20u);
}

// Kills the server mid-stream and restarts it: failures are counted and retried, nothing
// accepted is given up, and delivery resumes.
void outage(server_process& srv, net node, std::size_t expect_after) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(node.emit_str(fmt::format(R"({{"i":{}}})", i)));
  ASSERT_TRUE(node.flush(10s));
  srv.kill();
  for (int i = 10; i < 20; ++i) ASSERT_TRUE(node.emit_str(fmt::format(R"({{"i":{}}})", i)));
  ASSERT_TRUE(testing::eventually([&] { return node.stats().adapter_transient_errors > 0; }));
  EXPECT_FALSE(node.health().adapter_healthy);
  srv.start();
  ASSERT_TRUE(node.flush(20s));
  auto st = node.stats();
  EXPECT_EQ(st.events_dispatched, 20u);
  EXPECT_EQ(st.dispatch_failed, 0u);
  EXPECT_GT(st.adapter_retries, 0u);
  EXPECT_TRUE(node.health().adapter_healthy);
  auto all = read_shard(node.bus().get_adapter(), 0);
  ASSERT_EQ(all.size(), expect_after);
  EXPECT_EQ(all.back().json().value().at("i").as_int64(), 19);
  ASSERT_TRUE(node.shutdown());
}

TEST(redis_adapter, outage_is_counted_retried_and_recovered) {
  auto port = testing::free_port();
  server_process srv(redis_argv(port), port);
  auto node = net::builder()
                  .shards(1)
                  .ring_capacity(1024)
                  .adapter_retries(10'000)
                  .retry_backoff(20ms)
                  .redis(redis_config(fmt::format("redis://127.0.0.1:{}", port), "outage"))
                  .build();
  // The restarted server has no persistence, so only the events sent after it came back stay.
  outage(srv, node, 10);
}

TEST(jetstream_adapter, outage_is_counted_retried_and_recovered) {
  auto port = testing::free_port();
  auto dir = std::filesystem::temp_directory_path() / unique_prefix();
  server_process srv(nats_argv(port, dir.string()), port);
  auto node = net::builder()
                  .shards(1)
                  .ring_capacity(1024)
                  .adapter_retries(10'000)
                  .retry_backoff(20ms)
                  .jetstream(nats_config(fmt::format("nats://127.0.0.1:{}", port), "outage"))
                  .build();
  // File storage survives the restart and Nats-Msg-Id drops the retried duplicates.
  outage(srv, node, 20);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace neuromesh::bus::test
