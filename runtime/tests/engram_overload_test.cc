// engram_host sheds load (EngramOverloaded, reference §6.1): with its pool busy and
// max_queued requests waiting, a RECALL, IMPRINT or TOOL_CALL is answered at once with
// `error` "engram_overloaded: ..." / "effector_overloaded: ..." without reaching the backend;
// the caller sees engram_errc::overloaded (recall), a receipt error (imprint) or an outcome
// error (tool). The queued requests are still served once the pool frees up.
#include "engram_test_support.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/runtime/engram_client.h"
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

#include <condition_variable>
#include <mutex>
#include <thread>

namespace neuromesh::runtime {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace proto = protocol;
using namespace std::chrono_literals;
using neuromesh::testing::eventually;

using neuromesh::testing::io_thread;
using test::connected_memory;
using test::recorder;
using test::recorder_handler;

// An Effector whose tool "wait" blocks its pool thread until the gate opens.
class gated_effector final : public effector {
 public:
  gated_effector() : effector({"slow", "effector", {"wait"}, std::nullopt}) {}
  tool_outcome call(const tool_call&) override {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    tool_outcome out;
    out.tool = "wait";
    out.result = json::value("done");
    return out;
  }
  int entered() {
    std::lock_guard lock(mu_);
    return entered_;
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
};

std::string error_of(const proto::signal& s) {
  auto e = s.payload.to_json().if_contains("error");
  return e && e->is_string() ? std::string(e->get_string()) : "";
}

TEST(engram_host_overload, a_full_queue_answers_overloaded_at_once_and_still_serves_the_queued) {
  io_thread io;
  synapse::memory_synapse bus;
  ASSERT_FALSE(io.run(bus.async_connect()));
  auto seen = std::make_shared<recorder>();
  for (auto t : {proto::signal_type::recalled, proto::signal_type::imprinted,
                 proto::signal_type::tool_result})
    ASSERT_TRUE(io.run(
        bus.async_subscribe(proto::subject_for("dev", t), recorder_handler{seen}, std::nullopt)));
  auto mem = connected_memory("mem");
  auto slow = std::make_shared<gated_effector>();
  engram_host host(io.executor(), bus, {.ns = "dev", .threads = 1, .max_queued = 2});
  host.attach(mem);
  host.attach(slow);
  ASSERT_FALSE(io.run(host.async_start()));
  engram_client client(io.executor(), bus, "dev");
  ASSERT_FALSE(io.run(client.async_start()));

  // The only pool thread blocks in the tool; two RECALLs wait behind it (the queue is full).
  auto busy = asio::co_spawn(io.executor(),
                             client.async_call_tool({.target = {.id = "slow", .deadline = 20s},
                                                     .tool = "wait",
                                                     .args = {},
                                                     .call_id = "busy"}),
                             asio::use_future);
  ASSERT_TRUE(eventually([&] { return slow->entered() == 1; }));
  std::vector<proto::signal> queued;
  for (int i = 0; i < 2; ++i) {
    queued.push_back(proto::recall_signal({.query = proto::raw_object(json::object{{"tag", "t"}})},
                                          {.directed = proto::directed{.id = "mem"}}));
    ASSERT_FALSE(
        io.run(bus.async_publish(proto::subject_for("dev", queued.back()), queued.back())));
  }

  // Past the bound, each kind of request is answered while the gate is still shut.
  recall_call get{.target = {.id = "mem", .deadline = 5s}, .query = {{"tag", "t"}}};
  auto recalled = io.run(client.async_recall(get));
  ASSERT_FALSE(recalled);
  EXPECT_EQ(recalled.error().code, engram_errc::overloaded);
  EXPECT_NE(recalled.error().message.find("mem: engram_overloaded: mem has 2 calls waiting"),
            std::string::npos)
      << recalled.error().message;

  imprint_call put{.target = {.id = "mem", .deadline = 5s},
                   .op = "upsert",
                   .entry = {{"content", "x"}},
                   .merge_key = "k",
                   .await_ack = true};
  auto receipt = io.run(client.async_imprint(put));
  ASSERT_TRUE(receipt) << receipt.error().message;
  ASSERT_TRUE(*receipt);
  EXPECT_EQ((*receipt)->engram_id, "mem");
  EXPECT_EQ((*receipt)->op, imprint_op::upsert);
  EXPECT_TRUE((*receipt)->error && (*receipt)->error->starts_with("engram_overloaded: "));

  auto tool = io.run(client.async_call_tool(
      {.target = {.id = "slow", .deadline = 5s}, .tool = "wait", .args = {}, .call_id = "c9"}));
  ASSERT_TRUE(tool) << tool.error().message;
  EXPECT_EQ(tool->call_id, "c9");
  EXPECT_FALSE(tool->result);
  EXPECT_TRUE(tool->error && tool->error->starts_with("effector_overloaded: slow has 2 calls"))
      << tool->error.value_or("");

  EXPECT_EQ(slow->entered(), 1);  // the shed TOOL_CALL never reached the Effector
  EXPECT_TRUE(seen->of(proto::signal_type::recalled).size() == 1);  // only the shed one so far
  auto st = host.stats();
  EXPECT_EQ(st.overloaded, 3u);
  EXPECT_EQ(st.error_replies, 3u);
  EXPECT_EQ(mem->stats().imprints, 0u);  // the shed IMPRINT wrote nothing

  // Once the pool frees up, the blocked call and both queued RECALLs are answered normally.
  slow->open();
  auto done = busy.get();
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->result, json::value("done"));
  ASSERT_TRUE(eventually([&] { return seen->of(proto::signal_type::recalled).size() == 3; }));
  for (const auto& q : queued) {
    int answered = 0;
    for (const auto& r : seen->of(proto::signal_type::recalled))
      if (r.parent_id == q.id) {
        ++answered;
        EXPECT_EQ(error_of(r), "");
      }
    EXPECT_EQ(answered, 1);
  }
  // The bound is on waiting requests: with the queue drained, a RECALL is served again.
  auto again = io.run(client.async_recall(get));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->engram_ids, std::vector<std::string>{"mem"});
  EXPECT_EQ(host.stats().overloaded, 3u);

  io.run(client.async_stop());
  io.run(host.async_stop());
  io.run(bus.async_close());
}

}  // namespace
}  // namespace neuromesh::runtime
