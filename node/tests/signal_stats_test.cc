#include "neuromesh/node/signal_stats.h"

#include "neuromesh/node/signal_feed.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/codec.h"

#include <gtest/gtest.h>

namespace neuromesh::node {
namespace {

using namespace std::chrono_literals;
using protocol::signal_type;

protocol::signal task_for(std::vector<std::string> caps) {
  return protocol::task_signal({.capabilities = std::move(caps)});
}

TEST(signal_stats, a_task_pairs_with_its_first_reply_by_parent_id) {
  signal_stats st;
  auto t0 = signal_stats::clock::now();
  auto task = task_for({"summarize", "english"});
  st.observe_in(task, 100, t0);
  auto out = protocol::reply(task, signal_type::agent_output,
                             protocol::raw_object::parse(R"({"output":{}})").value());
  st.observe_in(out, 50, t0 + 30ms);
  st.observe_in(out, 50, t0 + 60ms);  // a second reply does not count twice
  auto err = protocol::reply(task_for({}), signal_type::error);
  st.observe_in(err, 10, t0 + 1ms);  // parent never seen: ignored
  EXPECT_EQ(st.tasks("output"), 1u);
  EXPECT_EQ(st.tasks("error"), 0u);
  auto text = st.render();
  EXPECT_NE(
      text.find(
          R"(neuromesh_node_task_seconds_bucket{capability="english,summarize",le="0.05"} 1)"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          R"(neuromesh_node_task_seconds_bucket{capability="english,summarize",le="0.025"} 0)"),
      std::string::npos);
  EXPECT_NE(text.find(R"(neuromesh_node_signals_in_total{type="AGENT_OUTPUT"} 2)"),
            std::string::npos);
  EXPECT_NE(text.find("neuromesh_node_signal_bytes_in_total 210"), std::string::npos);
}

TEST(signal_stats, tool_calls_and_recalls_have_their_own_latency) {
  signal_stats st;
  auto t0 = signal_stats::clock::now();
  auto call = protocol::tool_call_signal({.tool = "grep"});
  st.observe_in(call, 1, t0);
  st.observe_in(protocol::reply(call, signal_type::tool_result,
                                protocol::raw_object::parse(R"({"tool":"grep"})").value()),
                1, t0 + 3ms);
  auto text = st.render();
  EXPECT_NE(text.find("neuromesh_node_tool_call_seconds_count 1"), std::string::npos) << text;
  EXPECT_NE(text.find("neuromesh_node_recall_seconds_count 0"), std::string::npos);
}

TEST(signal_stats, unanswered_tasks_and_labels_stay_bounded) {
  signal_stats st(/*max_open=*/10, /*max_capabilities=*/2);
  auto t0 = signal_stats::clock::now();
  std::vector<protocol::signal> tasks;
  for (int i = 0; i < 25; ++i) {
    tasks.push_back(task_for({"cap" + std::to_string(i)}));
    st.observe_in(tasks.back(), 1, t0);
  }
  EXPECT_EQ(st.tasks("abandoned"), 15u);
  for (int i = 15; i < 25; ++i) st.observe_in(protocol::reply(tasks[i], signal_type::final), 1, t0);
  auto text = st.render();
  EXPECT_NE(text.find(R"(capability="other")"), std::string::npos);
  EXPECT_EQ(text.find(R"(capability="cap24")"), std::string::npos);
  EXPECT_NE(text.find("neuromesh_node_tasks_open 0"), std::string::npos);
}

TEST(signal_feed, a_new_page_gets_hello_then_backlog_then_live_signals) {
  signal_feed feed(3);
  for (int i = 0; i < 5; ++i) feed.publish("{\"n\":" + std::to_string(i) + "}");
  auto page = feed.subscribe(R"({"namespace":"dev"})", 2);
  feed.publish(R"({"n":5})");
  std::string got;
  EXPECT_EQ(page->poll(got, nullptr), catalog::event_stream::poll_result::data);
  EXPECT_EQ(got,
            "retry: 2000\nevent: hello\ndata: {\"namespace\":\"dev\"}\n\n"
            "data: {\"n\":3}\n\ndata: {\"n\":4}\n\ndata: {\"n\":5}\n\n");
  EXPECT_EQ(feed.recent(10).size(), 3u);
  EXPECT_EQ(feed.stats().subscribers, 1u);
}

TEST(signal_feed, a_page_that_falls_behind_is_cut_off_and_counted) {
  signal_feed feed(10, /*max_queued_bytes=*/100);
  auto slow = feed.subscribe("{}", 0);
  for (int i = 0; i < 10; ++i) feed.publish(std::string(20, 'x'));
  EXPECT_TRUE(slow->closed());
  EXPECT_TRUE(slow->overflowed());
  EXPECT_EQ(feed.stats().cut_off, 1u);
  EXPECT_EQ(feed.stats().subscribers, 0u);
}

TEST(signal_feed, waiting_pages_are_woken_and_closed_on_stop) {
  signal_feed feed;
  auto page = feed.subscribe("{}", 0);
  std::string got;
  page->poll(got, nullptr);
  got.clear();
  int wakes = 0;
  EXPECT_EQ(page->poll(got, [&] { ++wakes; }), catalog::event_stream::poll_result::wait);
  feed.publish("{}");
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(page->poll(got, nullptr), catalog::event_stream::poll_result::data);
  EXPECT_EQ(page->poll(got, [&] { ++wakes; }), catalog::event_stream::poll_result::wait);
  feed.close_all();
  EXPECT_EQ(wakes, 2);
  got.clear();
  EXPECT_EQ(page->poll(got, nullptr), catalog::event_stream::poll_result::closed);
}

}  // namespace
}  // namespace neuromesh::node
