// A dendrite fed hostile input (issue 10): wrong types, missing fields, a 1 MiB payload, a
// REGISTER claiming another dendrite's neuron id, 100,000 DISCOVERs, and randomized payloads
// of every type. Each rejection is counted and every other trace keeps being served.
#include "dendrite_support.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/registry/memory_store.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/synapse/memory_synapse.h"

#include <boost/json/serialize.hpp>

#include <random>

namespace neuromesh::runtime::test {
namespace {

using protocol::raw_object;
using protocol::signal;
using protocol::signal_type;

signal with_payload(signal_type t, std::string_view json, std::optional<std::string> to = {}) {
  protocol::envelope_options e;
  if (to) e.directed = protocol::directed{.id = *to};
  return protocol::make_signal(t, raw_object::parse(json).value(), std::move(e));
}

/// The host still answers an ordinary request.
asio::awaitable<bool> still_serving(dendrite* orch) {
  dispatch_args a{.neuron = "n1"};
  auto r = co_await orch->async_dispatch_and_wait(std::move(a), 2s);
  co_return r && r->type == signal_type::agent_output;
}

asio::awaitable<void> wrong_types_and_missing_fields(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  registry::memory_store store;
  dendrite w(ex, bus, &store, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(echo_axon("n1", {"a"}));
  co_await w.async_start();
  co_await orch.async_start();
  // TASK whose input is not an object: an ERROR naming the field, to the caller.
  auto bad1 = with_payload(signal_type::task, R"({"input":5})", "n1");
  co_await inject(&bus, std::move(bad1));
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::error) == 1; }));
  EXPECT_EQ(
      t.of(signal_type::error).at(0).payload.text(),
      R"({"code":"NEURON_EXCEPTION","message":"TASK payload.input must be an object, got int64","recoverable":false})");
  auto before = w.stats().rejected;
  auto bad2 = with_payload(signal_type::task, R"({"input":{},"capabilities":"a"})");
  co_await inject(&bus, std::move(bad2));
  auto bad3 = with_payload(signal_type::discover, R"({"neuron":5})");
  co_await inject(&bus, std::move(bad3));
  auto bad4 = with_payload(signal_type::discover, R"({"capabilities":[1,2]})");
  co_await inject(&bus, std::move(bad4));
  co_await inject(
      &bus, with_payload(signal_type::register_, R"({"role":"neuron","capabilities":"x"})", "zz"));
  auto bad5 = with_payload(signal_type::task_awarded, R"({"winning_bid":{}})", "n1");
  co_await inject(&bus, std::move(bad5));
  auto bad6 = with_payload(signal_type::task_offer, R"({"input":{},"capabilities":7})");
  co_await inject(&bus, std::move(bad6));
  EXPECT_TRUE(co_await until([&] { return w.stats().rejected == before + 6; }));
  EXPECT_FALSE(store.get("zz").value());  // nothing mirrored from the bad REGISTER
  EXPECT_TRUE(co_await still_serving(&orch));
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite_hostile, wrong_types_and_missing_fields) { run(wrong_types_and_missing_fields); }

asio::awaitable<void> one_mib_payload_round_trips(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(echo_axon("n1"));
  co_await w.async_start();
  co_await orch.async_start();
  json::object big;
  big["blob"] = std::string(1 << 20, 'x');
  dispatch_args a{.neuron = "n1", .input = big};
  auto r = co_await orch.async_dispatch_and_wait(std::move(a), 5s);
  EXPECT_TRUE(r && r->type == signal_type::agent_output);
  if (r) {
    EXPECT_GT(r->payload.text().size(), std::size_t(1 << 20));
  }
  EXPECT_TRUE(co_await still_serving(&orch));
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite_hostile, one_mib_payload_round_trips) { run(one_mib_payload_round_trips); }

asio::awaitable<void> register_claiming_a_hosted_id_is_ignored(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  registry::memory_store store;
  dendrite w(ex, bus, &store, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(echo_axon("n1", {"real"}));
  co_await w.async_start();
  co_await orch.async_start();
  protocol::register_args fake{.id = "n1", .kind = "neuron", .capabilities = {"evil"}};
  auto bad7 = protocol::register_signal(fake);
  co_await inject(&bus, std::move(bad7));
  auto bad8 = protocol::deregister_signal("n1");
  co_await inject(&bus, std::move(bad8));
  EXPECT_EQ(w.stats().register_conflicts, 2u);
  auto rec = store.get("n1").value();
  EXPECT_TRUE(rec);
  if (rec) {
    EXPECT_EQ(rec->capabilities, std::vector<std::string>{"real"});
    EXPECT_NE(rec->status, "deregistered");
  }
  EXPECT_TRUE(co_await still_serving(&orch));
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite_hostile, register_claiming_a_hosted_id_is_ignored) {
  run(register_claiming_a_hosted_id_is_ignored);
}

asio::awaitable<void> discover_flood_is_coalesced(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(echo_axon("n1"));
  co_await w.async_start();
  co_await orch.async_start();
  auto registers_before = t.count(signal_type::register_);
  auto flood = protocol::discover_signal();
  for (int i = 0; i < 100000; ++i) {
    auto d = flood;
    d.id = protocol::event_id::generate();
    (void)co_await bus.async_publish("cosmonapse.dev.DISCOVER", std::move(d));
  }
  EXPECT_TRUE(co_await still_serving(&orch));  // served during the flood's aftermath
  EXPECT_TRUE(co_await until([&] { return w.stats().discovers_answered >= 1; }));
  auto s = w.stats();
  EXPECT_EQ(s.discovers_answered + s.discovers_dropped, 100000u);
  EXPECT_LT(s.discovers_answered, 1000u);
  EXPECT_LT(t.count(signal_type::register_) - registers_before, 1000u);
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite_hostile, discover_flood_is_coalesced) { run(discover_flood_is_coalesced); }

/// Random JSON values of every kind, keys drawn from the names the pipeline reads.
json::value random_value(std::mt19937& rng, int depth) {
  switch (rng() % (depth > 2 ? 5 : 7)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<std::int64_t>(rng() % 1000) - 500;
    case 3: {
      std::string text(rng() % 8, static_cast<char>('a' + rng() % 26));
      return json::value(text.c_str());
    }
    case 4:
      return 0.5 * static_cast<double>(rng() % 100);
    case 5: {
      json::array a;
      for (unsigned i = rng() % 4; i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      static const char* keys[] = {"input",   "capabilities", "finalize", "neuron",
                                   "role",    "version",      "status",   "rollback",
                                   "cost",    "confidence",   "question", "answer",
                                   "granted", "context_ref",  "engram"};
      json::object o;
      for (unsigned i = rng() % 5; i > 0; --i)
        o[keys[rng() % std::size(keys)]] = random_value(rng, depth + 1);
      return o;
    }
  }
}

asio::awaitable<void> randomized_payloads_never_stop_service(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  registry::memory_store store;
  dendrite w(ex, bus, &store, test_options("w", role::worker));
  dendrite orch(ex, bus, &store, test_options("orch"));
  w.attach(echo_axon("n1", {}, true));
  co_await w.async_start();
  co_await orch.async_start();
  std::mt19937 rng(20261130);
  for (int i = 0; i < 3000; ++i) {
    auto type = static_cast<signal_type>(rng() % protocol::signal_type_count);
    json::object payload;
    for (unsigned k = rng() % 4; k > 0; --k) {
      auto v = random_value(rng, 0);
      static const char* keys[] = {"input", "capabilities", "finalize", "neuron", "rollback",
                                   "cost",  "role",         "status",   "answer"};
      payload[keys[rng() % std::size(keys)]] = v;
    }
    protocol::envelope_options e;
    if (rng() % 2) e.directed = protocol::directed{.id = rng() % 2 ? "n1" : "other"};
    std::optional<signal> s;
    try {
      s = protocol::make_signal(type, raw_object(payload), std::move(e));
    } catch (const std::invalid_argument&) {
      continue;  // the builders refuse it (RECALL/IMPRINT rules): nothing to send
    }
    co_await inject(&bus, std::move(*s));
  }
  EXPECT_TRUE(co_await still_serving(&orch));
  EXPECT_GT(w.stats().rejected + w.stats().tasks_run, 0u);
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite_hostile, randomized_payloads_never_stop_service) {
  run(randomized_payloads_never_stop_service);
}

}  // namespace
}  // namespace neuromesh::runtime::test
