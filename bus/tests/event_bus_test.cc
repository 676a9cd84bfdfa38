#include "neuromesh/bus/event_bus.h"

#include "neuromesh/bus/error.h"
#include "neuromesh/bus/memory_adapter.h"
#include "neuromesh/testing/testing.h"
#include "poll_all.h"
#include "test_adapters.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <thread>

namespace neuromesh::bus {
namespace {

using namespace std::chrono_literals;
using test::poll_all;

bus_config small(std::uint16_t shards = 4) {
  bus_config c;
  c.shards = shards;
  c.ring_capacity = 1024;
  c.retry_backoff = 1ms;
  return c;
}

raw_event ev(int i, std::string_view key = "k") {
  return raw_event::copy_of(R"({"key":")" + std::string(key) + R"(","i":)" + std::to_string(i) +
                            "}");
}

TEST(event_bus, delivers_every_event_to_poll_after_flush) {
  auto bus = event_bus::start(small(), nullptr);
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(bus->emit_raw(ev(i, std::to_string(i))));
  ASSERT_TRUE(bus->flush());
  auto st = bus->stats();
  EXPECT_EQ(st.events_ingested, 3000u);
  EXPECT_EQ(st.events_dispatched, 3000u);
  EXPECT_EQ(st.events_dropped, 0u);
  auto all = poll_all(*bus, {.limit = 128});
  EXPECT_EQ(all.size(), 3000u);
  std::set<std::string> seen;
  for (auto& e : all) seen.insert(std::string(e.raw_str()));
  EXPECT_EQ(seen.size(), 3000u);
}

TEST(event_bus, partition_key_keeps_each_entitys_order_on_one_shard) {
  auto bus = event_bus::start(small(8), nullptr);
  std::map<std::string, std::uint16_t> shard_of;
  for (int i = 0; i < 2000; ++i) {
    std::string key = "agent-" + std::to_string(i % 10);
    auto r = bus->emit_raw(ev(i, key), partition_key{key});
    ASSERT_TRUE(r);
    auto [it, fresh] = shard_of.emplace(key, r->shard_id);
    EXPECT_EQ(it->second, r->shard_id);
  }
  ASSERT_TRUE(bus->flush());
  std::map<std::string, int> last;
  for (auto& e : poll_all(*bus, {.limit = 500})) {
    auto v = e.json().value();
    std::string key(v.at("key").as_string());
    int i = static_cast<int>(v.at("i").as_int64());
    auto it = last.find(key);
    if (it != last.end()) {
      EXPECT_LT(it->second, i) << key;
    }
    last[key] = i;
  }
  EXPECT_EQ(last.size(), 10u);
}

TEST(event_bus, insertion_timestamps_increase_within_a_shard) {
  auto bus = event_bus::start(small(1), nullptr);
  std::uint64_t prev = 0;
  auto e = ev(0);
  for (int i = 0; i < 5000; ++i) {
    auto r = bus->emit_raw(e);
    ASSERT_TRUE(r);
    EXPECT_GT(r->insertion_ts, prev);
    prev = r->insertion_ts;
  }
}

// Holds the worker in the adapter with one event, then fills the 1024-slot ring.
struct full_ring {
  std::shared_ptr<event_bus> bus;
  test::gated_adapter* gate;

  explicit full_ring(backpressure_mode mode) {
    auto c = small(1);
    c.mode = mode;
    c.batching.velocity_window = std::chrono::hours(1);  // keep the batch target at 1
    auto g = std::make_unique<test::gated_adapter>();
    gate = g.get();
    bus = event_bus::start(c, std::move(g));
    EXPECT_TRUE(bus->emit_raw(ev(-1)));
    EXPECT_TRUE(testing::eventually([&] { return gate->entered() == 1; }));
    for (int i = 0; i < 1024; ++i) EXPECT_TRUE(bus->emit_raw(ev(i)));
  }
  ~full_ring() { gate->open(); }
};

TEST(event_bus, drop_newest_refuses_and_counts) {
  full_ring f(backpressure::drop_newest);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(f.bus->emit_raw(ev(i)).error(), errc::backpressure);
  auto st = f.bus->stats();
  EXPECT_EQ(st.dropped_newest, 10u);
  EXPECT_EQ(st.events_dropped, 10u);
  EXPECT_EQ(st.events_ingested, 1025u);
}

TEST(event_bus, drop_oldest_evicts_counts_and_keeps_the_newest) {
  full_ring f(backpressure::drop_oldest);
  for (int i = 1024; i < 1034; ++i) EXPECT_TRUE(f.bus->emit_raw(ev(i)));
  auto st = f.bus->stats();
  EXPECT_EQ(st.dropped_oldest, 10u);
  EXPECT_EQ(st.events_dropped, 10u);
  f.gate->open();
  ASSERT_TRUE(f.bus->flush());
  auto all = poll_all(*f.bus, {.limit = 2000});
  ASSERT_EQ(all.size(), 1025u);
  EXPECT_EQ(all.back().json().value().at("i").as_int64(), 1033);
  EXPECT_EQ(all[1].json().value().at("i").as_int64(), 10);
}

TEST(event_bus, fail_producer_refuses_with_backpressure_and_counts_separately) {
  full_ring f(backpressure::fail_producer);
  auto r = f.bus->emit_raw(ev(0));
  EXPECT_EQ(r.error(), errc::backpressure);
  EXPECT_THROW(value_or_throw(f.bus->emit_raw(ev(0))), backpressure_error);
  auto st = f.bus->stats();
  EXPECT_EQ(st.rejected_fail_producer, 2u);
  EXPECT_EQ(st.events_dropped, 2u);
}

TEST(event_bus, sample_keeps_one_in_rate_under_overload) {
  full_ring f(backpressure::sample{4});
  int kept = 0, sampled = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = f.bus->emit_raw(ev(i));
    if (r) {
      ++kept;
    } else {
      EXPECT_EQ(r.error(), errc::sampled);
      ++sampled;
    }
  }
  EXPECT_EQ(kept, 10);
  EXPECT_EQ(sampled, 30);
  auto st = f.bus->stats();
  EXPECT_EQ(st.dropped_sampled, 30u);
  EXPECT_EQ(st.dropped_oldest, 10u);
  EXPECT_EQ(st.events_dropped, 40u);
  EXPECT_THROW(throw_bus_error(make_error_code(errc::sampled)), sampled_error);
}

TEST(event_bus, explicit_shard_out_of_range_is_unrouted) {
  auto bus = event_bus::start(small(2), nullptr);
  EXPECT_EQ(bus->emit_raw_to(5, ev(0)).error(), errc::unrouted);
  EXPECT_TRUE(bus->emit_raw_to(1, ev(0)));
  EXPECT_EQ(bus->stats().events_unrouted, 1u);
  EXPECT_THROW(throw_bus_error(make_error_code(errc::unrouted)), unrouted_error);
}

TEST(event_bus, batch_emit_groups_by_shard_and_counts) {
  auto bus = event_bus::start(small(4), nullptr);
  std::vector<raw_event> evs;
  for (int i = 0; i < 500; ++i) evs.push_back(ev(i, std::to_string(i)));
  EXPECT_EQ(bus->emit_raw_batch(evs), 500u);
  ASSERT_TRUE(bus->flush());
  EXPECT_EQ(poll_all(*bus, {.limit = 1000}).size(), 500u);
}

TEST(event_bus, shutdown_drains_every_ring_and_refuses_later_emits) {
  auto g = std::make_unique<test::gated_adapter>();
  auto* gate = g.get();
  auto c = small(2);
  c.ring_capacity = 4096;
  auto bus = event_bus::start(c, std::move(g));
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(bus->emit_raw(ev(i, std::to_string(i))));
  std::thread stopper([&] { (void)bus->shutdown(); });
  ASSERT_TRUE(testing::eventually([&] { return !bus->health().accepting; }));
  EXPECT_EQ(bus->emit_raw(ev(0)).error(), errc::shutting_down);
  gate->open();
  stopper.join();
  auto st = bus->stats();
  EXPECT_EQ(st.events_ingested, 3000u);
  EXPECT_EQ(st.events_dispatched, 3000u);
  EXPECT_EQ(poll_all(*bus, {.limit = 5000}).size(), 3000u);
}

TEST(event_bus, transient_adapter_errors_are_counted_and_retried) {
  auto bus = event_bus::start(
      small(1), std::make_unique<test::flaky_adapter>(2, make_error_code(errc::adapter_transient)));
  ASSERT_TRUE(bus->emit_raw(ev(1)));
  ASSERT_TRUE(bus->flush(5s));
  auto st = bus->stats();
  EXPECT_EQ(st.adapter_transient_errors, 2u);
  EXPECT_EQ(st.adapter_retries, 2u);
  EXPECT_EQ(st.events_dispatched, 1u);
  EXPECT_EQ(poll_all(*bus).size(), 1u);
}

TEST(event_bus, exhausted_retries_count_the_batch_as_dropped) {
  auto c = small(1);
  c.adapter_retries = 1;
  auto bus = event_bus::start(
      c, std::make_unique<test::flaky_adapter>(100, make_error_code(errc::adapter_transient)));
  ASSERT_TRUE(bus->emit_raw(ev(1)));
  ASSERT_TRUE(bus->flush(5s));
  auto st = bus->stats();
  EXPECT_EQ(st.dispatch_failed, 1u);
  EXPECT_EQ(st.events_dropped, 1u);
  EXPECT_EQ(st.adapter_transient_errors, 2u);
}

TEST(event_bus, fatal_adapter_errors_are_not_retried) {
  auto bus = event_bus::start(
      small(1), std::make_unique<test::flaky_adapter>(1, make_error_code(errc::adapter_fatal)));
  ASSERT_TRUE(bus->emit_raw(ev(1)));
  ASSERT_TRUE(bus->flush(5s));
  auto st = bus->stats();
  EXPECT_EQ(st.adapter_fatal_errors, 1u);
  EXPECT_EQ(st.adapter_retries, 0u);
  EXPECT_EQ(st.dispatch_failed, 1u);
}

TEST(event_bus, poll_filters_pages_and_resumes_from_the_cursor) {
  auto bus = event_bus::start(small(4), nullptr);
  for (int i = 0; i < 100; ++i) {
    std::string key = i % 2 ? "odd" : "even";
    ASSERT_TRUE(bus->emit_raw(ev(i, key), partition_key{key}));
  }
  ASSERT_TRUE(bus->flush());
  poll_request req{.limit = 10, .filter = filter::eq("key", "odd")};
  auto first = bus->poll(req);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->events.size(), 10u);
  EXPECT_TRUE(first->has_more);
  for (auto& e : first->events) EXPECT_EQ(e.json().value().at("key"), "odd");
  auto odd = poll_all(*bus, req);
  EXPECT_EQ(odd.size(), 50u);
  req.cursor = first->next_cursor;
  EXPECT_EQ(poll_all(*bus, req).size(), 40u);
  EXPECT_EQ(bus->poll({.cursor = "%%%"}).error(), errc::invalid_cursor);
}

TEST(event_bus, poll_can_merge_shards_by_insertion_time) {
  auto bus = event_bus::start(small(4), nullptr);
  for (int i = 0; i < 400; ++i) ASSERT_TRUE(bus->emit_raw(ev(i, std::to_string(i))));
  ASSERT_TRUE(bus->flush());
  auto r = bus->poll({.limit = 1000, .order = ordering::insertion_ts});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->events.size(), 400u);
  for (std::size_t i = 1; i < r->events.size(); ++i) {
    EXPECT_LE(r->events[i - 1].insertion_ts, r->events[i].insertion_ts);
  }
}

TEST(event_bus, retention_bounds_the_memory_log_and_counts_expiry) {
  auto c = small(1);
  c.retention.max_events = 100;
  auto bus = event_bus::start(c, std::make_unique<memory_adapter>(c.retention));
  for (int i = 0; i < 250; ++i) ASSERT_TRUE(bus->emit_raw(ev(i)));
  ASSERT_TRUE(bus->flush());
  auto st = bus->stats();
  EXPECT_EQ(st.retained_events, 100u);
  EXPECT_EQ(st.retention_expired, 150u);
  auto all = poll_all(*bus, {.limit = 1000});
  ASSERT_EQ(all.size(), 100u);
  EXPECT_EQ(all.front().json().value().at("i").as_int64(), 150);
}

TEST(event_bus, invalid_settings_name_the_field) {
  auto c = small();
  c.ring_capacity = 1000;
  try {
    event_bus::start(c, nullptr);
    FAIL();
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("ring_capacity"), std::string::npos);
  }
  c = small();
  c.shards = 0;
  EXPECT_THROW(event_bus::start(c, nullptr), config_error);
  c = small();
  c.mode = backpressure::sample{0};
  EXPECT_THROW(event_bus::start(c, nullptr), config_error);
}

}  // namespace
}  // namespace neuromesh::bus
