// The non-blocking registry helpers (async_find_neurons, async_registry_snapshot,
// async_sweep_stale: the store call runs on the blocking pool) and the dendrite's shared
// deadline queue (one timer for every timed Pathway wait).
#include "dendrite_support.h"
#include "gated_store.h"
#include "neuromesh/registry/memory_store.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/runtime/errors.h"
#include "neuromesh/synapse/memory_synapse.h"
#include "runtime_test_support.h"

#include <boost/asio/detached.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace neuromesh::runtime::test {
namespace {

using protocol::signal_type;
using std::chrono::steady_clock;

registry::neuron_record record(std::string id, std::vector<std::string> caps,
                               registry::time_point seen) {
  registry::neuron_record r;
  r.neuron_id = std::move(id);
  r.capabilities = std::move(caps);
  r.last_heartbeat = seen;
  return r;
}

std::vector<std::string> ids(const std::vector<registry::neuron_record>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.neuron_id);
  std::sort(out.begin(), out.end());
  return out;
}

asio::awaitable<void> async_helpers_answer_like_the_blocking_ones(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  registry::memory_store store;
  auto o = test_options("orch");
  o.stale_after = std::chrono::seconds(90);
  auto now = registry::now_utc();
  o.clock = [now] { return now; };
  dendrite orch(ex, bus, &store, o);
  co_await orch.async_start();
  EXPECT_TRUE(store.upsert(record("fresh", {"sum"}, now - std::chrono::seconds(5))));
  EXPECT_TRUE(store.upsert(record("old", {"sum", "mul"}, now - std::chrono::seconds(60))));
  EXPECT_TRUE(store.upsert(record("gone", {"mul"}, now - std::chrono::seconds(600))));
  EXPECT_TRUE(store.mark_deregistered("gone"));

  auto live = co_await orch.async_find_neurons();
  EXPECT_EQ(ids(live), (std::vector<std::string>{"fresh", "old"}));
  EXPECT_EQ(ids(live), ids(orch.find_neurons()));
  auto mul = co_await orch.async_find_neurons(std::string("mul"));
  EXPECT_EQ(ids(mul), std::vector<std::string>{"old"});
  auto recent = co_await orch.async_find_neurons(std::nullopt, std::chrono::seconds(30));
  EXPECT_EQ(ids(recent), std::vector<std::string>{"fresh"});
  auto all = co_await orch.async_registry_snapshot(std::nullopt, true);
  EXPECT_EQ(ids(all), (std::vector<std::string>{"fresh", "gone", "old"}));
  EXPECT_EQ(ids(all), ids(orch.registry_snapshot(std::nullopt, true)));

  // "old" (60 s) is not overdue at 90 s; a record seen 120 s ago is.
  EXPECT_TRUE(store.upsert(record("crashed", {}, now - std::chrono::seconds(120))));
  auto swept = co_await orch.async_sweep_stale();
  EXPECT_EQ(swept, std::vector<std::string>{"crashed"});
  EXPECT_EQ(orch.stats().stale_swept, 1u);
  auto after = store.get("crashed");
  EXPECT_TRUE(after && *after && (*after)->status == "deregistered");
  EXPECT_TRUE((co_await orch.async_sweep_stale()).empty());
  co_await orch.async_stop();

  dendrite bare(ex, bus, nullptr, test_options("bare"));
  EXPECT_TRUE(co_await throws<state_error>(bare.async_find_neurons()));
  EXPECT_TRUE(co_await throws<state_error>(bare.async_registry_snapshot()));
  EXPECT_TRUE((co_await bare.async_sweep_stale()).empty());  // nothing to sweep
}
TEST(dendrite_registry_async, async_helpers_answer_like_the_blocking_ones) {
  run(async_helpers_answer_like_the_blocking_ones);
}

asio::awaitable<void> finish_find(dendrite* d, std::vector<registry::neuron_record>* out,
                                  bool* done) {
  *out = co_await d->async_find_neurons(std::string("echo"));
  *done = true;
}

asio::awaitable<void> async_find_neurons_holds_up_no_task(asio::any_io_executor ex) {
  auto g = std::make_shared<gate>();
  g->dendrite_thread = std::this_thread::get_id();
  gated_store store(g, gated_store::blocks::list);
  synapse::memory_synapse bus;
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, &store, test_options("orch"));
  w.attach(echo_axon("echo", {"echo"}));
  co_await orch.async_start();
  co_await w.async_start();  // its REGISTER is mirrored into the store
  EXPECT_TRUE(co_await until([&] {
    auto r = store.inner.get("echo");
    return r && *r;
  }));
  std::vector<registry::neuron_record> found;
  bool done = false;
  asio::co_spawn(ex, finish_find(&orch, &found, &done), asio::detached);
  EXPECT_TRUE(co_await until([&] { return g->waiting.load() == 1; }));
  // The store call blocks a pool thread, not this executor: a round trip still completes.
  dispatch_args to_echo{.neuron = "echo", .input = {{"q", 1}}};
  auto r = co_await orch.async_dispatch_and_wait(std::move(to_echo), 2s);
  EXPECT_TRUE(r && r->type == signal_type::agent_output);
  EXPECT_FALSE(done);
  g->release();
  EXPECT_TRUE(co_await until([&] { return done; }));
  EXPECT_EQ(ids(found), std::vector<std::string>{"echo"});
  EXPECT_FALSE(g->on_dendrite_thread.load());
  co_await w.async_stop();
  co_await orch.async_stop();
}
TEST(dendrite_registry_async, async_find_neurons_holds_up_no_task) {
  run(async_find_neurons_holds_up_no_task);
}

struct timed {
  std::optional<steady_clock::duration> took;
  std::optional<boost::system::error_code> ec;
};

asio::awaitable<void> wait_on(std::shared_ptr<pathway> pw, std::chrono::milliseconds timeout,
                              timed* out) {
  auto t0 = steady_clock::now();
  auto r = co_await pw->async_wait(timeout);
  out->took = steady_clock::now() - t0;
  out->ec = r ? boost::system::error_code{} : r.error();
}

// Waits of one dendrite share one timer: a short wait made after a long one still times out
// on time (the timer is re-armed earlier), each wait gets errc::timeout, and a wait that
// got its Signal leaves the queue (the long 5 s one below does not delay anything).
asio::awaitable<void> timed_waits_share_one_timer(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(echo_axon("echo"));
  co_await w.async_start();
  co_await orch.async_start();
  dispatch_args to_echo{.neuron = "echo", .input = {{"q", 1}}};
  auto r = co_await orch.async_dispatch_and_wait(std::move(to_echo), 5s);
  EXPECT_TRUE(r && r->type == signal_type::agent_output);

  auto a = co_await orch.async_observe_pathway(protocol::trace_id::generate());
  auto b = co_await orch.async_observe_pathway(protocol::trace_id::generate());
  auto c = co_await orch.async_observe_pathway(protocol::trace_id::generate());
  timed ta, tb, tc;
  asio::co_spawn(ex, wait_on(a, 1500ms, &ta), asio::detached);
  asio::co_spawn(ex, wait_on(b, 300ms, &tb), asio::detached);
  asio::co_spawn(ex, wait_on(c, 20ms, &tc), asio::detached);
  EXPECT_TRUE(co_await until([&] { return tc.ec.has_value(); }, 3000ms));
  EXPECT_FALSE(ta.ec.has_value());
  EXPECT_TRUE(co_await until([&] { return tb.ec.has_value(); }, 3000ms));
  EXPECT_FALSE(ta.ec.has_value());
  EXPECT_TRUE(co_await until([&] { return ta.ec.has_value(); }, 5000ms));
  CO_ASSERT(ta.ec && tb.ec && tc.ec);
  EXPECT_EQ(*ta.ec, make_error_code(errc::timeout));
  EXPECT_EQ(*tb.ec, make_error_code(errc::timeout));
  EXPECT_EQ(*tc.ec, make_error_code(errc::timeout));
  EXPECT_GE(*tc.took, 20ms);
  EXPECT_LT(*tc.took, 1000ms);  // not held until the 5 s deadline armed first
  EXPECT_GE(*tb.took, 300ms);
  EXPECT_GE(*ta.took, 1500ms);
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite_registry_async, timed_waits_share_one_timer) { run(timed_waits_share_one_timer); }

}  // namespace
}  // namespace neuromesh::runtime::test
