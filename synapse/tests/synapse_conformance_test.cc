// One behaviour suite for every Synapse backend (memory, cosmo:// broker, NATS). The backends
// compiled in are chosen by NEUROMESH_SYNAPSE_BACKENDS (the NATS run is a service test).
#include "neuromesh/synapse/errc.h"
#include "neuromesh/synapse/synapse.h"
#include "synapse_test_support.h"

#include <boost/asio/co_spawn.hpp>

#include <unistd.h>

#include <atomic>
#include <sstream>

namespace neuromesh::synapse::test {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

std::string unique_prefix() {
  static std::atomic<int> n{0};
  return "nmtest." + std::to_string(::getpid()) + "." + std::to_string(n++);
}

class synapse_conformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const auto& name = GetParam();
    if (name == "memory") bus_ = std::make_unique<memory_bus>(io_);
    if (name == "cosmo") bus_ = std::make_unique<cosmo_bus>(io_);
    if (name == "nats") bus_ = std::make_unique<nats_bus>(io_);
    ASSERT_TRUE(bus_) << "unknown backend " << name;
  }
  void TearDown() override { bus_.reset(); }

  template <class T>
  T run(boost::asio::awaitable<T> a) {
    return io_.run(std::move(a));
  }
  subscription subscribe(synapse& s, const std::string& subject, handler h,
                         std::optional<std::string> group = std::nullopt) {
    auto r = run(s.async_subscribe(subject, std::move(h), std::move(group)));
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : subscription();
  }
  void publish(synapse& s, const std::string& subject, protocol::signal sig = make_signal()) {
    auto ec = run(s.async_publish(subject, std::move(sig)));
    ASSERT_FALSE(ec) << ec.message();
  }
  // Returns once every subscription sub_client made so far is live at the broker: the
  // broker handles one connection's ops in order, so a marker subscribed last proves it.
  void sync(synapse& sub_client, synapse& pub_client) {
    inbox marks;
    // Outside the test's own prefix, so no wildcard subscription of the test sees it.
    auto subject = "nmsync." + prefix_;
    auto sub = subscribe(sub_client, subject, marks.make());
    bool ok = eventually([&] {
      publish(pub_client, subject);
      return eventually([&] { return marks.size() > 0; }, 50ms);
    });
    sub.unsubscribe();
    ASSERT_TRUE(ok) << "subscription never became live";
  }

  io_thread io_;
  std::unique_ptr<bus> bus_;
  std::string prefix_ = unique_prefix();
};

TEST_P(synapse_conformance, delivers_a_published_signal_unchanged) {
  auto a = bus_->client(), b = bus_->client();
  inbox got;
  subscribe(*a, prefix_ + ".TASK", got.make());
  sync(*a, *b);
  auto sent = make_signal("caf\xc3\xa9 \xf0\x9f\x98\x80");
  publish(*b, prefix_ + ".TASK", sent);
  ASSERT_TRUE(eventually([&] { return got.size() == 1; }));
  EXPECT_EQ(got.all()[0], sent);
}

TEST_P(synapse_conformance, star_matches_one_token_and_gt_matches_the_rest) {
  auto a = bus_->client(), b = bus_->client();
  inbox star, rest;
  subscribe(*a, prefix_ + ".*.TASK", star.make());
  subscribe(*a, prefix_ + ".>", rest.make());
  sync(*a, *b);
  publish(*b, prefix_ + ".dev.TASK", make_signal("one"));
  publish(*b, prefix_ + ".dev.extra.TASK", make_signal("two"));
  // A last one both match: one subscription's deliveries keep their order, so once star has
  // it, a wrong match of ".dev.extra.TASK" would have arrived before it. (Two subscriptions
  // are not ordered with each other: NATS delivers each on its own thread.)
  publish(*b, prefix_ + ".end.TASK", make_signal("end"));
  ASSERT_TRUE(eventually([&] { return rest.size() == 3 && star.size() >= 2; }));
  auto got = star.all();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload, make_signal("one").payload);
  EXPECT_EQ(got[1].payload, make_signal("end").payload);
}

TEST_P(synapse_conformance, queue_group_splits_messages_and_dopplers_see_all) {
  auto w1 = bus_->client(), w2 = bus_->client(), obs = bus_->client(), pub = bus_->client();
  inbox m1, m2, doppler;
  subscribe(*w1, prefix_ + ".TASK.routed", m1.make(), "caps:a,b");
  subscribe(*w2, prefix_ + ".TASK.routed", m2.make(), "caps:a,b");
  subscribe(*obs, prefix_ + ".>", doppler.make());
  sync(*w1, *pub);
  sync(*w2, *pub);
  sync(*obs, *pub);
  const int n = 40;  // NATS picks members at random: 40 makes "all to one" a 2^-39 event
  for (int i = 0; i < n; ++i) publish(*pub, prefix_ + ".TASK.routed");
  ASSERT_TRUE(eventually([&] { return m1.size() + m2.size() == n && doppler.size() == n; }));
  EXPECT_GT(m1.size(), 0u);
  EXPECT_GT(m2.size(), 0u);
}

TEST_P(synapse_conformance, publisher_receives_its_own_signals) {
  auto a = bus_->client();
  inbox got;
  subscribe(*a, prefix_ + ".STOP", got.make());
  sync(*a, *a);
  publish(*a, prefix_ + ".STOP");
  EXPECT_TRUE(eventually([&] { return got.size() == 1; }));
}

TEST_P(synapse_conformance, unsubscribe_stops_delivery) {
  auto a = bus_->client(), b = bus_->client();
  inbox got;
  auto sub = subscribe(*a, prefix_ + ".X", got.make());
  sync(*a, *b);
  publish(*b, prefix_ + ".X");
  ASSERT_TRUE(eventually([&] { return got.size() == 1; }));
  sub.unsubscribe();
  EXPECT_FALSE(sub.active());
  sync(*a, *b);  // the unsub travelled before this marker
  publish(*b, prefix_ + ".X");
  sync(*a, *b);
  EXPECT_EQ(got.size(), 1u);
}

TEST_P(synapse_conformance, a_throwing_handler_is_counted_and_keeps_its_subscription) {
  auto a = bus_->client(), b = bus_->client();
  std::atomic<int> calls{0};
  subscribe(*a, prefix_ + ".E", [&](const protocol::signal&) {
    if (calls++ == 0) throw std::runtime_error("boom");
  });
  sync(*a, *b);
  auto before = a->stats().handler_errors;
  publish(*b, prefix_ + ".E");
  publish(*b, prefix_ + ".E");
  EXPECT_TRUE(eventually([&] { return calls == 2; }));
  EXPECT_EQ(a->stats().handler_errors, before + 1);
}

boost::asio::awaitable<void> send_reply(std::shared_ptr<synapse> via, std::string to,
                                        protocol::signal reply) {
  co_await via->async_publish(std::move(to), std::move(reply));
}

TEST_P(synapse_conformance, request_gets_the_reply_sent_to_reply_subject) {
  auto responder = bus_->client(), requester = bus_->client();
  subscribe(*responder, prefix_ + ".ask", [&, responder](const protocol::signal& req) {
    auto to = reply_subject(req);
    if (!to) return;
    protocol::signal reply = make_signal("answer");
    reply.parent_id = req.id;
    reply.trace_id = req.trace_id;
    boost::asio::co_spawn(io_.ctx(), send_reply(responder, *to, reply), [](std::exception_ptr) {});
  });
  sync(*responder, *requester);
  auto req = make_signal("question");
  auto r = run(requester->async_request(prefix_ + ".ask", req, 5s));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->parent_id, req.id);
  EXPECT_EQ(r->payload, make_signal("answer").payload);
}

TEST_P(synapse_conformance, request_without_responder_times_out) {
  auto a = bus_->client();
  auto r = run(a->async_request(prefix_ + ".nobody", make_signal(), 100ms));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::timeout));
}

TEST_P(synapse_conformance, operations_before_connect_say_not_connected) {
  auto s = bus_->unconnected();
  EXPECT_EQ(run(s->async_publish(prefix_, make_signal())), make_error_code(errc::not_connected));
  auto sub = run(s->async_subscribe(
      prefix_, [](const protocol::signal&) {}, std::nullopt));
  ASSERT_FALSE(sub);
  EXPECT_EQ(sub.error(), make_error_code(errc::not_connected));
}

TEST_P(synapse_conformance, operations_after_close_say_closed) {
  auto s = bus_->unconnected();
  ASSERT_FALSE(run(s->async_connect()));
  run(s->async_close());
  run(s->async_close());  // idempotent
  EXPECT_EQ(run(s->async_publish(prefix_, make_signal())), make_error_code(errc::closed));
  EXPECT_EQ(run(s->async_connect()), make_error_code(errc::closed));
}

std::vector<std::string> backends() {
  std::vector<std::string> out;
  std::stringstream ss(NEUROMESH_SYNAPSE_BACKENDS);
  for (std::string b; std::getline(ss, b, ',');) out.push_back(b);
  return out;
}

INSTANTIATE_TEST_SUITE_P(all, synapse_conformance, ::testing::ValuesIn(backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace neuromesh::synapse::test
