// The node in-process: its web API, its feed, its metrics, the sweep and attached
// participants, driven by an agent on the node's own broker.
#include "neuromesh/node/node.h"

#include "neuromesh/protocol/codec.h"
#include "neuromesh/registry/store_url.h"
#include "neuromesh/runtime/engram_client.h"
#include "neuromesh/synapse/synapse_from_url.h"
#include "neuromesh/testing/testing.h"
#include "up_process.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>

namespace neuromesh::node {
namespace {

using namespace std::chrono_literals;
using neuromesh::testing::eventually;
using test::http;

struct node_fixture : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<node> n;
  std::thread runner;
  std::unique_ptr<test::agent_bus> agent;
  std::mutex mu;
  std::vector<protocol::signal> seen;  ///< everything on cosmonapse.dev.>
  std::vector<std::string> subjects;

  void start(node_config c = {}) {
    c.data_dir = dir.path / "data";
    c.broker_listen.port = 0;
    c.http_listen.port = 0;
    n = std::make_unique<node>(c);
    n->start();
    runner = std::thread([this] { n->run(); });
    agent = std::make_unique<test::agent_bus>(n->endpoints().broker_url);
    agent->subscribe("cosmonapse.dev.>", [this](const protocol::signal& s) {
      std::lock_guard lock(mu);
      seen.push_back(s);
    });
  }
  void stop() {
    if (!n) return;
    agent.reset();
    n->stop();
    runner.join();
    n.reset();
  }
  void TearDown() override { stop(); }

  std::optional<protocol::signal> find(protocol::signal_type t) {
    std::lock_guard lock(mu);
    for (const auto& s : seen)
      if (s.type == t) return s;
    return std::nullopt;
  }
  std::string url() const { return n->endpoints().http_url; }
  std::string neuron_liveness(const std::string& id) {
    auto r = http(url(), "GET", "/api/neurons");
    if (r.status != 200) return "";
    auto list = boost::json::parse(r.body);
    for (const auto& v : list.as_array())
      if (v.at("neuron_id").as_string() == id) return std::string(v.at("liveness").as_string());
    return "";
  }
};

TEST_F(node_fixture, a_task_from_the_page_goes_to_the_neuron_or_by_capability) {
  start();
  auto r = http(url(), "POST", "/api/tasks", R"({"input":{"q":"hi"},"neuron":"echo-1"})");
  ASSERT_EQ(r.status, 202u) << r.body;
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("subject").as_string(), "cosmonapse.dev.TASK");
  ASSERT_TRUE(eventually([&] { return find(protocol::signal_type::task).has_value(); }));
  auto task = *find(protocol::signal_type::task);
  EXPECT_EQ(task.id.str(), body.at("id").as_string());
  EXPECT_EQ(task.trace_id.str(), body.at("trace_id").as_string());
  EXPECT_EQ(task.directed->id, "echo-1");
  EXPECT_EQ(task.payload.text(), R"({"input":{"q":"hi"}})");

  r = http(url(), "POST", "/api/tasks", R"({"input":{},"capabilities":["echo"]})");
  ASSERT_EQ(r.status, 202u) << r.body;
  EXPECT_EQ(boost::json::parse(r.body).at("subject").as_string(), "cosmonapse.dev.TASK.routed");
}

// busy_poll_us only changes how the node's thread waits: the broker still routes, and the
// node still stops when asked.
TEST_F(node_fixture, a_busy_polling_node_routes_signals_and_stops) {
  node_config c;
  c.busy_poll_us = 200;
  start(c);
  for (int i = 0; i < 20; ++i) {
    auto r = http(url(), "POST", "/api/tasks",
                  R"({"neuron":"echo-1","input":{"i":)" + std::to_string(i) + "}}");
    ASSERT_EQ(r.status, 202u) << r.body;
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return std::count_if(seen.begin(), seen.end(), [](const protocol::signal& s) {
             return s.type == protocol::signal_type::task;
           }) == 20;
  }));
  stop();
  EXPECT_FALSE(n);
}

TEST_F(node_fixture, bad_task_and_answer_bodies_are_named) {
  start();
  struct bad {
    std::string path, body;
    unsigned status;
    std::string detail;
  };
  std::vector<bad> cases{
      {"/api/tasks", "{", 400, "body is not valid JSON"},
      {"/api/tasks", "[]", 400, "body must be a JSON object"},
      {"/api/tasks", R"({"neuron":"x"})", 422, "input: must be a JSON object"},
      {"/api/tasks", R"({"input":{}})", 422, "neuron or capabilities"},
      {"/api/tasks", R"({"input":{},"capabilities":[1]})", 422, "capabilities: must be"},
      {"/api/tasks", R"({"input":{},"neuron":""})", 422, "neuron: must be a non-empty"},
      {"/api/answer", R"({"answer":1})", 422, "request_id"},
      {"/api/answer", R"({"request_id":"evt_nope","answer":1})", 404, "no open CLARIFICATION"},
  };
  for (const auto& b : cases) {
    auto r = http(url(), "POST", b.path, b.body);
    EXPECT_EQ(r.status, b.status) << b.body << " -> " << r.body;
    EXPECT_NE(r.body.find(b.detail), std::string::npos) << r.body;
  }
  EXPECT_EQ(http(url(), "GET", "/api/tasks").status, 405u);
  EXPECT_EQ(http(url(), "GET", "/no-such-page").status, 404u);
  EXPECT_EQ(http(url(), "GET", "/events?backlog=x").status, 422u);
}

TEST_F(node_fixture, clarifications_and_permissions_are_answered_on_their_trace) {
  start();
  auto task = protocol::task_signal({}, {.directed = protocol::directed{.id = "asker"}});
  auto question = protocol::clarification_signal(
      "Which language?", {},
      {.directed = protocol::directed{.id = "asker"}, .trace = task.trace_id, .parent = task.id});
  agent->publish("dev", question);
  auto body = R"({"request_id":")" + question.id.str() + R"(","answer":"French"})";
  ASSERT_TRUE(eventually([&] { return http(url(), "POST", "/api/answer", body).status == 202; }));
  ASSERT_TRUE(
      eventually([&] { return find(protocol::signal_type::clarification_answer).has_value(); }));
  auto ans = *find(protocol::signal_type::clarification_answer);
  EXPECT_EQ(ans.parent_id, question.id);
  EXPECT_EQ(ans.trace_id, question.trace_id);
  EXPECT_EQ(ans.payload.text(), R"({"answer":"French"})");
  // Answered: it is no longer open.
  EXPECT_EQ(http(url(), "POST", "/api/answer", body).status, 404u);

  auto perm = protocol::permission_signal({.action = "delete files"},
                                          {.directed = protocol::directed{.id = "asker"}});
  agent->publish("dev", perm);
  auto grant = R"({"request_id":")" + perm.id.str() + R"(","granted":true,"reason":"ok"})";
  ASSERT_TRUE(eventually([&] { return http(url(), "POST", "/api/answer", grant).status == 202; }));
  ASSERT_TRUE(
      eventually([&] { return find(protocol::signal_type::permission_decision).has_value(); }));
  auto dec = *find(protocol::signal_type::permission_decision);
  EXPECT_EQ(dec.parent_id, perm.id);
  EXPECT_EQ(dec.payload.text(), R"({"granted":true,"reason":"ok"})");
}

TEST_F(node_fixture, the_event_stream_sends_hello_backlog_and_live_signals) {
  start();
  agent->publish("dev", test::register_of("early", {"a"}));
  ASSERT_TRUE(eventually([&] { return neuron_liveness("early") == "alive"; }));
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket sock(ioc);
  auto port = n->endpoints().http_url.substr(n->endpoints().http_url.rfind(':') + 1);
  boost::asio::ip::tcp::resolver res(ioc);
  boost::asio::connect(sock, res.resolve("127.0.0.1", port));
  std::string req = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::asio::write(sock, boost::asio::buffer(req));
  std::string got;
  auto read_until = [&](const std::string& needle) {
    auto end = std::chrono::steady_clock::now() + 10s;
    while (got.find(needle) == std::string::npos && std::chrono::steady_clock::now() < end) {
      char buf[4096];
      auto k = sock.read_some(boost::asio::buffer(buf));
      got.append(buf, k);
    }
    return got.find(needle) != std::string::npos;
  };
  ASSERT_TRUE(read_until("\"directed\":{\"id\":\"early\"")) << got;
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(got.find("event: hello\ndata: {\"namespace\":\"dev\""), std::string::npos) << got;
  agent->publish("dev", test::register_of("late", {"b"}));
  EXPECT_TRUE(read_until("\"directed\":{\"id\":\"late\"")) << got;
  // The stop ends the stream: the read sees end of file.
  stop();
  boost::system::error_code ec;
  char buf[4096];
  while (!ec) sock.read_some(boost::asio::buffer(buf), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
}

TEST_F(node_fixture, metrics_show_signals_broker_registry_and_catalog) {
  start();
  agent->publish("dev", test::register_of("m1", {"a"}));
  ASSERT_TRUE(eventually([&] { return neuron_liveness("m1") == "alive"; }));
  ASSERT_TRUE(eventually([&] {
    return http(url(), "GET", "/metrics")
               .body.find(R"(neuromesh_registry_mirrored_total{type="REGISTER"} 1)") !=
           std::string::npos;
  }));
  http(url(), "GET", "/health");
  auto text = http(url(), "GET", "/metrics").body;
  for (auto needle :
       {// m1's REGISTER and the node's own Engram's
        R"(neuromesh_node_signals_in_total{type="REGISTER"} 2)", "neuromesh_broker_connections 2",
        "neuromesh_broker_subscriptions 2", R"(neuromesh_registry_neurons{status="alive"} 1)",
        R"(neuromesh_registry_mirrored_total{type="REGISTER"} 1)",
        R"(neuromesh_catalog_requests_total{method="GET",route="/health",status="200"} 1)",
        R"(neuromesh_catalog_requests_total{method="ANY",route="extension",status="200"})",
        "neuromesh_broker_bytes_in_total", "neuromesh_web_streams 0",
        R"(neuromesh_registry_store_retries_total{reason="busy"} 0)"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
}

TEST_F(node_fixture, the_sweep_deregisters_a_silent_neuron) {
  node_config c;
  c.suspect_after = 100ms;
  c.stale_after = 300ms;
  c.sweep_interval = 50ms;
  start(c);
  agent->publish("dev", test::register_of("quiet", {"a"}));
  ASSERT_TRUE(eventually([&] { return !neuron_liveness("quiet").empty(); }));
  EXPECT_TRUE(eventually([&] { return neuron_liveness("quiet") == "stale"; }));
  EXPECT_TRUE(eventually([&] { return neuron_liveness("quiet") == "deregistered"; }));
}

TEST_F(node_fixture, attached_participants_register_heartbeat_and_deregister_on_stop) {
  node_config c;
  c.heartbeat_interval = 50ms;
  start(c);
  n->attach({.id = "demo-echo", .kind = "echo", .capabilities = {"echo"}});
  ASSERT_TRUE(eventually([&] { return neuron_liveness("demo-echo") == "alive"; }));
  ASSERT_TRUE(eventually([&] { return find(protocol::signal_type::heartbeat).has_value(); }));
  auto db = n->endpoints().store_url;
  stop();
  auto store = registry::open_store(db).value();
  EXPECT_EQ(store->get("demo-echo").value()->status, "deregistered");
}

// An agent's caller side of the node's Engram: an engram_client on its own connection.
class engram_caller {
 public:
  explicit engram_caller(const std::string& broker_url)
      : work_(io_.get_executor()), thread_([this] { io_.run(); }) {
    bus_ = std::move(synapse::synapse_from_url(broker_url, io_.get_executor()).value());
    EXPECT_FALSE(run(bus_->async_connect()));
    client_.emplace(io_.get_executor(), *bus_, "dev");
    EXPECT_FALSE(run(client_->async_start()));
  }
  ~engram_caller() {
    run(client_->async_stop());
    run(bus_->async_close());
    work_.reset();
    thread_.join();
  }
  template <class T>
  T run(boost::asio::awaitable<T> a) {
    auto f = boost::asio::co_spawn(io_, std::move(a), boost::asio::use_future);
    if (f.wait_for(20s) != std::future_status::ready) throw std::runtime_error("deadline");
    return f.get();
  }
  runtime::engram_client& client() { return *client_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::unique_ptr<synapse::synapse> bus_;
  std::optional<runtime::engram_client> client_;
};

runtime::engram_result<runtime::recall_result> recall_milk(engram_caller& c) {
  runtime::recall_call get;
  get.target = {.kind = "context", .deadline = 5000ms};
  get.query = {{"text", "milk"}};
  return c.run(c.client().async_recall(std::move(get)));
}

TEST_F(node_fixture, its_engram_keeps_what_agents_imprint_across_a_restart) {
  start();
  EXPECT_EQ(n->endpoints().engram_id, "memory");
  EXPECT_EQ(n->endpoints().engram_url, "sqlite:" + (dir.path / "data" / "engram.db").string());
  {
    engram_caller c(n->endpoints().broker_url);
    runtime::imprint_call put;
    put.target = {.id = "memory", .deadline = 5000ms};
    put.entry = {{"content", "buy milk"}, {"tags", boost::json::array{"shopping"}}};
    put.await_ack = true;
    auto receipt = c.run(c.client().async_imprint(std::move(put)));
    ASSERT_TRUE(receipt) << receipt.error().message;
    ASSERT_TRUE(*receipt);
    EXPECT_TRUE((*receipt)->ok());
    EXPECT_EQ((*receipt)->engram_id, "memory");
    auto found = recall_milk(c);
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_EQ(found->hits.size(), 1u);
    EXPECT_EQ(found->engram_ids, std::vector<std::string>{"memory"});
  }
  stop();
  start();  // the same data folder
  engram_caller again(n->endpoints().broker_url);
  auto found = recall_milk(again);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->hits.size(), 1u);
  EXPECT_EQ(found->hits[0].entry.content, boost::json::value("buy milk"));
  EXPECT_EQ(found->hits[0].entry.tags, std::vector<std::string>{"shopping"});
}

}  // namespace
}  // namespace neuromesh::node
