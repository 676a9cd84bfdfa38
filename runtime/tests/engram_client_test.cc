// The caller side's corners engram_host_test leaves out (reference §6.1, §6.2, §10
// test_engram.py / test_effector.py): recall mode "all" collects every Engram of a kind until
// the deadline, merged by score; "first" with no hits still names who answered; an IMPRINT
// without await_ack is fire-and-forget; a tool call nobody answers is EffectorTimeout, one
// whose trace ends is EffectorCancelled.
#include "neuromesh/runtime/engram_client.h"

#include "engram_test_support.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/runtime/effector_calculator.h"
#include "neuromesh/runtime/engram_host.h"
#include "neuromesh/runtime/engram_memory.h"
#include "neuromesh/synapse/memory_synapse.h"
#include "neuromesh/testing/io_thread.h"
#include "neuromesh/testing/testing.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace neuromesh::runtime {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace proto = protocol;
using namespace std::chrono_literals;

using neuromesh::testing::io_thread;
using test::connected_memory;

// Writes one entry straight into e (no trace).
void put(engram& e, const std::string& text) {
  imprint_request r;
  r.op = imprint_op::append;
  r.content = json::value(text);
  auto receipt = e.imprint(r);
  ASSERT_TRUE(receipt && receipt->ok());
}

struct hosted : ::testing::Test {
  io_thread io;
  synapse::memory_synapse bus;
  std::shared_ptr<memory_engram> a = connected_memory("ctx-a");
  std::shared_ptr<memory_engram> b = connected_memory("ctx-b");
  std::optional<engram_host> host;
  std::optional<engram_client> client;

  void SetUp() override {
    ASSERT_FALSE(io.run(bus.async_connect()));
    host.emplace(io.executor(), bus, engram_host_options{.ns = "dev"});
    host->attach(a);
    host->attach(b);
    host->attach(std::make_shared<calculator_effector>("calc"));
    ASSERT_FALSE(io.run(host->async_start()));
    client.emplace(io.executor(), bus, "dev");
    ASSERT_FALSE(io.run(client->async_start()));
  }
  void TearDown() override {
    io.run(client->async_stop());
    io.run(host->async_stop());
    io.run(bus.async_close());
  }
};

struct counter {
  std::shared_ptr<std::atomic<int>> n;
  void operator()(const proto::signal&) const { ++*n; }
};

TEST_F(hosted, all_collects_every_engram_of_the_kind_merged_by_score_and_first_takes_one) {
  auto recalled = std::make_shared<std::atomic<int>>(0);
  ASSERT_TRUE(io.run(bus.async_subscribe(proto::subject_for("dev", proto::signal_type::recalled),
                                         counter{recalled}, std::nullopt)));
  put(*a, "milk");                    // score 4/6
  put(*b, "a long list: milk, tea");  // score 4/24
  recall_call get{.target = {.kind = "context", .deadline = 300ms}, .query = {{"text", "milk"}}};
  get.recall_mode = "all";
  auto all = io.run(client->async_recall(get));
  ASSERT_TRUE(all) << all.error().message;
  auto ids = all->engram_ids;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"ctx-a", "ctx-b"}));
  ASSERT_EQ(all->hits.size(), 2u);
  EXPECT_EQ(all->hits[0].entry.content, json::value("milk"));  // highest score first
  EXPECT_GT(all->hits[0].score, all->hits[1].score);

  get.recall_mode = "first";
  get.target.deadline = 5s;  // returns on the first reply, long before
  const auto start = std::chrono::steady_clock::now();
  auto first = io.run(client->async_recall(get));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->engram_ids.size(), 1u);
  EXPECT_EQ(first->hits.size(), 1u);
  // The other Engram still answers (ignored by the caller): let its reply out before TearDown.
  EXPECT_TRUE(neuromesh::testing::eventually([&] { return recalled->load() == 4; }));
}

TEST_F(hosted, a_first_recall_without_hits_names_the_engram_that_answered) {
  recall_call get{.target = {.id = "ctx-b", .deadline = 5s}, .query = {{"text", "nothing"}}};
  auto r = io.run(client->async_recall(get));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->hits.empty());
  EXPECT_EQ(r->engram_ids, std::vector<std::string>{"ctx-b"});
  EXPECT_FALSE(r->truncated);
}

TEST_F(hosted, an_imprint_without_await_ack_returns_at_once_and_still_lands) {
  imprint_call put{.target = {.id = "ctx-a"}, .entry = {{"content", "fire and forget"}}};
  ASSERT_FALSE(put.await_ack);  // the default, as the reference's
  auto r = io.run(client->async_imprint(put));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->has_value());  // no receipt: nothing was awaited
  recall_call get{.target = {.id = "ctx-a", .deadline = 5s}, .query = {{"text", "forget"}}};
  EXPECT_TRUE(neuromesh::testing::eventually([&] {
    auto found = io.run(client->async_recall(get));
    return found && found->hits.size() == 1;
  }));
  EXPECT_EQ(b->stats().imprints, 0u);  // addressed by id: only ctx-a wrote
}

TEST_F(hosted, a_tool_call_nobody_answers_times_out_as_an_effector_error) {
  tool_call_request call{
      .target = {.id = "nobody", .deadline = 100ms}, .tool = "add", .args = {{"a", 1}, {"b", 2}}};
  auto r = io.run(client->async_call_tool(call));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, effector_errc::timeout);
  EXPECT_EQ(r.error().message, "no reply within 100 ms");
  // The same call to the calculator is answered (the timeout was about the target).
  call.target.id = "calc";
  auto sum = io.run(client->async_call_tool(call));
  ASSERT_TRUE(sum) << sum.error().message;
  EXPECT_EQ(sum->result, json::value(3));
}

asio::awaitable<void> async_end_trace(synapse::memory_synapse* bus, proto::trace_id trace) {
  // Named arguments: GCC 12 mishandles temporaries in co_await operands.
  auto subject = proto::subject_for("dev", proto::signal_type::stop);
  auto stop = proto::stop_signal(trace, false, std::string("test"));
  co_await bus->async_publish(std::move(subject), std::move(stop));
}

TEST_F(hosted, a_tool_call_whose_trace_is_stopped_is_cancelled_as_an_effector_error) {
  const auto trace = proto::trace_id::generate();
  tool_call_request call{.target = {.id = "nobody", .trace = trace}, .tool = "add", .args = {}};
  auto pending = asio::co_spawn(io.executor(), client->async_call_tool(call), asio::use_future);
  // Keep stopping the trace until the waiting call has seen it.
  ASSERT_TRUE(neuromesh::testing::eventually([&] {
    io.run(async_end_trace(&bus, trace));
    return pending.wait_for(5ms) == std::future_status::ready;
  }));
  auto r = pending.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, effector_errc::cancelled);
}

}  // namespace
}  // namespace neuromesh::runtime
