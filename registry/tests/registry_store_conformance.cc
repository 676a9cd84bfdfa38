#include "registry_store_conformance.h"

#include <fmt/format.h>
#include <gmock/gmock.h>

#include <algorithm>
#include <set>
#include <thread>

namespace neuromesh::registry::testing {

void registry_store_conformance::SetUp() {
  env_ = GetParam().make_env();
  store_ = env_->make_store();
  auto r = store_->connect();
  ASSERT_TRUE(r) << r.error().message;
}

void registry_store_conformance::TearDown() {
  if (store_) store_->close();
  store_.reset();
  env_.reset();
}

namespace {

using std::chrono::microseconds;

time_point at(const char* iso) { return *parse_iso8601(iso); }

neuron_record record(std::string id, std::vector<std::string> caps = {},
                     std::optional<std::string> version = std::nullopt) {
  neuron_record r;
  r.neuron_id = std::move(id);
  r.capabilities = std::move(caps);
  r.version = std::move(version);
  return r;
}

template <class R>
auto value_of(R&& r) {
  EXPECT_TRUE(r) << r.error().message;
  return std::move(*r);
}

std::set<std::string> ids(const std::vector<neuron_record>& records) {
  std::set<std::string> out;
  for (const auto& r : records) out.insert(r.neuron_id);
  return out;
}

TEST_P(registry_store_conformance, upsert_then_get_returns_every_field) {
  auto r = record("a", {"nlp"}, "1.0");
  r.last_heartbeat = at("2026-01-01T12:00:00.123456+00:00");
  r.registered_at = at("2025-12-31T23:59:59+00:00");
  ASSERT_TRUE(store_->upsert(r));
  auto got = value_of(store_->get("a"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, r);
  EXPECT_EQ(got->status, "registered");
}

TEST_P(registry_store_conformance, get_of_unknown_id_returns_nothing) {
  EXPECT_FALSE(value_of(store_->get("does-not-exist")).has_value());
}

TEST_P(registry_store_conformance, upsert_updates_in_place_keeping_one_record) {
  ASSERT_TRUE(store_->upsert(record("a", {"x"})));
  ASSERT_TRUE(store_->upsert(record("a", {"x", "y"}, "2.0")));
  auto got = value_of(store_->get("a"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->capabilities, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(got->version, "2.0");
  EXPECT_EQ(value_of(store_->list()).size(), 1u);
}

TEST_P(registry_store_conformance, upsert_keeps_the_original_registered_at) {
  auto first = record("a", {"x"});
  first.registered_at = at("2025-01-01T00:00:00+00:00");
  ASSERT_TRUE(store_->upsert(first));
  auto second = record("a", {"y"});
  second.registered_at = at("2026-06-01T00:00:00+00:00");
  ASSERT_TRUE(store_->upsert(second));
  auto got = value_of(store_->get("a"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->registered_at, first.registered_at);
  EXPECT_EQ(got->capabilities, std::vector<std::string>{"y"});
}

TEST_P(registry_store_conformance, upsert_replaces_status_version_and_heartbeat_even_with_null) {
  auto first = record("a", {"x"}, "1.0");
  first.status = "draining";
  first.last_heartbeat = at("2026-01-01T00:00:00+00:00");
  ASSERT_TRUE(store_->upsert(first));
  ASSERT_TRUE(store_->upsert(record("a")));
  auto got = value_of(store_->get("a"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, "registered");
  EXPECT_FALSE(got->version.has_value());
  EXPECT_FALSE(got->last_heartbeat.has_value());
  EXPECT_TRUE(got->capabilities.empty());
}

TEST_P(registry_store_conformance, list_filters_by_exact_capability) {
  ASSERT_TRUE(store_->upsert(record("a", {"nlp"})));
  ASSERT_TRUE(store_->upsert(record("b", {"vision"})));
  ASSERT_TRUE(store_->upsert(record("c", {"vision", "nlp"})));
  ASSERT_TRUE(store_->upsert(record("d", {"nl", "nlp2"})));
  list_options nlp;
  nlp.capability = "nlp";
  EXPECT_EQ(ids(value_of(store_->list(nlp))), (std::set<std::string>{"a", "c"}));
  list_options none;
  none.capability = "audio";
  EXPECT_TRUE(value_of(store_->list(none)).empty());
  EXPECT_EQ(value_of(store_->list()).size(), 4u);
}

TEST_P(registry_store_conformance, deregistered_are_excluded_by_default_and_listed_when_asked) {
  ASSERT_TRUE(store_->upsert(record("a", {"nlp"})));
  ASSERT_TRUE(store_->upsert(record("b", {"nlp"})));
  ASSERT_TRUE(store_->mark_deregistered("a"));
  EXPECT_EQ(ids(value_of(store_->list())), std::set<std::string>{"b"});
  list_options all;
  all.include_deregistered = true;
  EXPECT_EQ(ids(value_of(store_->list(all))), (std::set<std::string>{"a", "b"}));
  all.capability = "nlp";
  EXPECT_EQ(ids(value_of(store_->list(all))), (std::set<std::string>{"a", "b"}));
  auto got = value_of(store_->get("a"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, "deregistered");
}

TEST_P(registry_store_conformance, mark_deregistered_of_unknown_id_is_a_noop) {
  EXPECT_TRUE(store_->mark_deregistered("ghost"));
  EXPECT_FALSE(value_of(store_->get("ghost")).has_value());
  list_options all;
  all.include_deregistered = true;
  EXPECT_TRUE(value_of(store_->list(all)).empty());
}

TEST_P(registry_store_conformance, touch_heartbeat_updates_existing_and_keeps_the_rest) {
  auto r = record("a", {"nlp"}, "1.0");
  r.status = "draining";
  ASSERT_TRUE(store_->upsert(r));
  const auto ts = at("2026-01-01T00:00:00+00:00");
  ASSERT_TRUE(store_->touch_heartbeat("a", ts));
  auto got = value_of(store_->get("a"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->last_heartbeat, ts);
  EXPECT_EQ(got->status, "draining");
  EXPECT_EQ(got->capabilities, std::vector<std::string>{"nlp"});
  EXPECT_EQ(got->version, "1.0");
  EXPECT_EQ(got->registered_at, r.registered_at);
}

TEST_P(registry_store_conformance, touch_heartbeat_status_overwrites_the_record_status) {
  ASSERT_TRUE(store_->upsert(record("a")));
  ASSERT_TRUE(store_->touch_heartbeat("a", at("2026-01-01T00:00:01+00:00"), "ok"));
  auto got = value_of(store_->get("a"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, "ok");  // the reference's quirk: a heartbeat's status wins
  EXPECT_EQ(ids(value_of(store_->list())), std::set<std::string>{"a"});
}

TEST_P(registry_store_conformance, touch_heartbeat_before_register_creates_a_thin_record) {
  const auto before = now_utc();
  const auto ts = at("2026-01-01T00:00:00+00:00");
  ASSERT_TRUE(store_->touch_heartbeat("early", ts, "registered"));
  auto got = value_of(store_->get("early"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->neuron_id, "early");
  EXPECT_EQ(got->last_heartbeat, ts);
  EXPECT_TRUE(got->capabilities.empty());
  EXPECT_FALSE(got->version.has_value());
  EXPECT_EQ(got->status, "registered");
  // registered_at is "now" (the database clock for PostgreSQL: allow a little skew).
  EXPECT_GE(got->registered_at, before - std::chrono::seconds(5));
  EXPECT_LE(got->registered_at, now_utc() + std::chrono::seconds(5));
}

TEST_P(registry_store_conformance, thin_record_status_defaults_to_registered_or_takes_given) {
  ASSERT_TRUE(store_->touch_heartbeat("plain", at("2026-01-01T00:00:00+00:00")));
  ASSERT_TRUE(store_->touch_heartbeat("ok", at("2026-01-01T00:00:00+00:00"), "ok"));
  EXPECT_EQ(value_of(store_->get("plain"))->status, "registered");
  EXPECT_EQ(value_of(store_->get("ok"))->status, "ok");
}

TEST_P(registry_store_conformance, register_after_a_thin_record_keeps_its_registered_at) {
  ASSERT_TRUE(store_->touch_heartbeat("a", at("2026-01-01T00:00:00+00:00")));
  const auto thin_registered = value_of(store_->get("a"))->registered_at;
  auto full = record("a", {"nlp"}, "3");
  full.registered_at = thin_registered + std::chrono::hours(1);
  ASSERT_TRUE(store_->upsert(full));
  auto got = value_of(store_->get("a"));
  EXPECT_EQ(got->registered_at, thin_registered);
  EXPECT_EQ(got->capabilities, std::vector<std::string>{"nlp"});
}

TEST_P(registry_store_conformance, list_is_sorted_by_neuron_id) {
  for (const char* id : {"m", "b", "z", "a"}) ASSERT_TRUE(store_->upsert(record(id)));
  const auto all = value_of(store_->list());
  std::vector<std::string> got;
  for (const auto& r : all) got.push_back(r.neuron_id);
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "m", "z"}));
}

TEST_P(registry_store_conformance, timestamps_keep_microseconds_and_old_dates) {
  auto r = record("a");
  r.last_heartbeat = at("2026-03-04T05:06:07.000001+00:00");
  r.registered_at = at("1999-12-31T23:59:59.999999+00:00");
  ASSERT_TRUE(store_->upsert(r));
  auto got = value_of(store_->get("a"));
  EXPECT_EQ(got->last_heartbeat, r.last_heartbeat);
  EXPECT_EQ(got->registered_at, r.registered_at);
}

TEST_P(registry_store_conformance, unusual_strings_round_trip) {
  auto r = record("neuron/ü \"quoted\" \\ ✓", {"café", "😀", "a\"b\\c", "tab\there", ""}, "v'1");
  r.status = "stätus";
  ASSERT_TRUE(store_->upsert(r));
  auto got = value_of(store_->get(r.neuron_id));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, r);
  list_options emoji;
  emoji.capability = "😀";
  EXPECT_EQ(ids(value_of(store_->list(emoji))), std::set<std::string>{r.neuron_id});
  emoji.capability = "a\"b\\c";
  EXPECT_EQ(ids(value_of(store_->list(emoji))), std::set<std::string>{r.neuron_id});
}

TEST_P(registry_store_conformance, empty_neuron_id_is_rejected_naming_the_field) {
  const auto check = [](const store_error& e) {
    EXPECT_EQ(e.code, errc::invalid_argument);
    EXPECT_THAT(e.message, ::testing::HasSubstr("neuron_id"));
  };
  check(store_->upsert(record("")).error());
  check(store_->mark_deregistered("").error());
  check(store_->touch_heartbeat("", now_utc()).error());
  check(store_->get("").error());
  EXPECT_GE(store_->stats().rejected, 4u);
}

TEST_P(registry_store_conformance, calls_before_connect_and_after_close_are_refused) {
  auto fresh = env_->make_store();
  EXPECT_EQ(fresh->get("a").error().code, errc::not_connected);
  EXPECT_EQ(fresh->upsert(record("a")).error().code, errc::not_connected);
  store_->close();
  EXPECT_EQ(store_->list().error().code, errc::not_connected);
  EXPECT_EQ(store_->touch_heartbeat("a", now_utc()).error().code, errc::not_connected);
  store_->close();  // idempotent
  ASSERT_TRUE(store_->connect());
  ASSERT_TRUE(store_->connect());  // idempotent
}

TEST_P(registry_store_conformance, records_outlive_the_store_when_the_data_is_shared) {
  ASSERT_TRUE(store_->upsert(record("kept", {"nlp"})));
  store_->close();
  if (env_->shared_data()) {
    auto reopened = env_->make_store();
    ASSERT_TRUE(reopened->connect());
    auto got = value_of(reopened->get("kept"));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->capabilities, std::vector<std::string>{"nlp"});
    reopened->close();
  } else {
    // memory: close() forgets every record, as the reference's MemoryRegistryStore does.
    ASSERT_TRUE(store_->connect());
    EXPECT_FALSE(value_of(store_->get("kept")));
  }
}

TEST_P(registry_store_conformance, many_threads_on_one_store_lose_no_update) {
  constexpr int threads = 8, per_thread = 60;
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const auto id = fmt::format("t{}-{}", t, i);
        if (!store_->upsert(record(id, {fmt::format("cap{}", t)}))) ++failures;
        if (!store_->touch_heartbeat(id, at("2026-01-01T00:00:00+00:00"), "ok")) ++failures;
        if (!store_->touch_heartbeat("shared", now_utc())) ++failures;
        if (!store_->get(id)) ++failures;
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0);
  const auto all = value_of(store_->list());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(threads * per_thread + 1));
  for (const auto& r : all) {
    if (r.neuron_id == "shared") continue;
    EXPECT_EQ(r.status, "ok") << r.neuron_id;
    EXPECT_EQ(r.capabilities.size(), 1u) << r.neuron_id;
  }
  list_options cap3;
  cap3.capability = "cap3";
  EXPECT_EQ(value_of(store_->list(cap3)).size(), static_cast<std::size_t>(per_thread));
}

}  // namespace
}  // namespace neuromesh::registry::testing
