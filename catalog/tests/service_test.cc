#include "neuromesh/catalog/service.h"

#include "neuromesh/catalog/neurons.h"
#include "neuromesh/registry/memory_store.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <thread>

namespace neuromesh::catalog {
namespace {

namespace json = boost::json;

struct fake_clock {
  wall_time now = wall_time(std::chrono::seconds(1'700'000'000));
};

class service_test : public ::testing::Test {
 protected:
  std::shared_ptr<fake_clock> clock_ = std::make_shared<fake_clock>();

  std::unique_ptr<catalog_service> make(service_options opts = {}) {
    auto c = clock_;
    opts.clock = [c] { return c->now; };
    return std::make_unique<catalog_service>(make_memory_store(), std::move(opts));
  }

  static request req(http_method m, std::string target, std::optional<std::string> body = {},
                     std::optional<std::string> key = {}) {
    request r;
    r.method = m;
    r.target = std::move(target);
    r.body = std::move(body);
    r.api_key = std::move(key);
    r.client = "127.0.0.1";
    return r;
  }
  static json::value body(const response& r) { return json::parse(r.text()); }
  /// The final response: waits for a deferred one (GET /neurons runs on the reader thread).
  static response settled(response r) { return r.deferred ? r.deferred->wait() : r; }

  static void register_instance(catalog_service& s, std::string id, std::string host = "h1",
                                std::string extra = "") {
    auto r =
        s.handle(req(http_method::post, "/instances",
                     R"({"instance_id":")" + id + R"(","name":"agent","version":"1","host":")" +
                         host + "\"" + extra + "}"));
    ASSERT_EQ(r.status, 201u) << r.text();
  }
  static std::string deploy_tool(std::string run_as = "oracle") {
    return R"({"tools":[{"name":"deploy","description":"Deploy","inputSchema":{"type":"object"},)"
           R"("x-command":"/opt/deploy.sh","x-run-as":")" +
           run_as + R"(","x-become-method":"sudo","x-autonomy":"confirm"}]})";
  }
};

TEST_F(service_test, register_returns_201_status_ok) {
  auto s = make();
  auto r = s->handle(req(http_method::post, "/instances",
                         R"({"instance_id":"a","name":"n","version":"1","host":"h"})"));
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.text(), R"({"status":"ok"})");
}

TEST_F(service_test, register_with_only_an_id_lists_each_missing_field) {
  auto s = make();
  auto r = s->handle(req(http_method::post, "/instances", R"({"instance_id":"a"})"));
  ASSERT_EQ(r.status, 422u);
  auto detail = body(r).at("detail").as_array();
  ASSERT_EQ(detail.size(), 3u);
  EXPECT_EQ(detail[0].at("loc"), (json::array{"body", "name"}));
  EXPECT_EQ(detail[0].at("type"), "missing");
  EXPECT_EQ(detail[2].at("loc"), (json::array{"body", "host"}));
}

TEST_F(service_test, register_with_wrong_types_names_the_field) {
  auto s = make();
  auto r = s->handle(req(http_method::post, "/instances",
                         R"({"instance_id":"a","name":5,"version":"1","host":"h"})"));
  ASSERT_EQ(r.status, 422u);
  auto d = body(r).at("detail").as_array().at(0);
  EXPECT_EQ(d.at("type"), "string_type");
  EXPECT_EQ(d.at("input"), 5);
}

TEST_F(service_test, bad_json_and_missing_body_are_422) {
  auto s = make();
  EXPECT_EQ(s->handle(req(http_method::post, "/instances", "{nope")).status, 422u);
  auto r = s->handle(req(http_method::post, "/instances"));
  ASSERT_EQ(r.status, 422u);
  EXPECT_EQ(body(r).at("detail").as_array().at(0).at("loc"), (json::array{"body"}));
  EXPECT_EQ(s->handle(req(http_method::post, "/instances", "[1]")).status, 422u);
}

TEST_F(service_test, heartbeat_with_empty_body_is_accepted) {
  auto s = make();
  register_instance(*s, "a");
  auto r = s->handle(req(http_method::post, "/instances/a/heartbeat"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.text(), R"({"status":"refresh"})");
  s->handle(req(http_method::post, "/instances/a/tools", deploy_tool()));
  r = s->handle(req(http_method::post, "/instances/a/heartbeat", "{}"));
  EXPECT_EQ(r.text(), R"({"status":"ack"})");
}

TEST_F(service_test, heartbeat_for_unknown_id_is_refresh_and_creates_nothing) {
  auto s = make();
  auto r = s->handle(req(http_method::post, "/instances/zz/heartbeat", "{}"));
  EXPECT_EQ(r.text(), R"({"status":"refresh"})");
  EXPECT_EQ(s->handle(req(http_method::get, "/instances/zz")).status, 404u);
}

TEST_F(service_test, heartbeat_carrying_registration_fields_re_registers) {
  auto s = make();
  auto r = s->handle(req(http_method::post, "/instances/zz/heartbeat",
                         R"({"name":"n","version":"1","host":"h9"})"));
  EXPECT_EQ(r.text(), R"({"status":"refresh"})");
  auto got = s->handle(req(http_method::get, "/instances/zz"));
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(body(got).at("host"), "h9");
}

TEST_F(service_test, heartbeat_with_bad_system_is_422) {
  auto s = make();
  register_instance(*s, "a");
  auto r = s->handle(req(http_method::post, "/instances/a/heartbeat", R"({"system":3})"));
  EXPECT_EQ(r.status, 422u);
}

TEST_F(service_test, tools_update_unknown_id_is_404_and_non_object_tools_422) {
  auto s = make();
  auto r = s->handle(req(http_method::post, "/instances/none/tools", R"({"tools":[]})"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.text(), R"({"detail":"Instance not found"})");
  register_instance(*s, "a");
  r = s->handle(req(http_method::post, "/instances/a/tools", R"({"tools":[1,{}]})"));
  ASSERT_EQ(r.status, 422u);
  EXPECT_EQ(body(r).at("detail").as_array().at(0).at("loc"), (json::array{"body", "tools", 0}));
  r = s->handle(req(http_method::post, "/instances/a/tools", R"({"tools":{}})"));
  EXPECT_EQ(r.status, 422u);
}

TEST_F(service_test, delete_marks_inactive_and_unknown_delete_is_ok) {
  auto s = make();
  register_instance(*s, "a");
  EXPECT_EQ(s->handle(req(http_method::delete_, "/instances/a")).status, 200u);
  EXPECT_EQ(s->handle(req(http_method::delete_, "/instances/none")).status, 200u);
  auto all = body(s->handle(req(http_method::get, "/instances"))).as_array();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].at("active"), false);
  EXPECT_TRUE(body(s->handle(req(http_method::get, "/instances?active=true"))).as_array().empty());
}

TEST_F(service_test, plain_heartbeat_reactivates_a_deregistered_instance) {
  auto s = make();
  register_instance(*s, "a");
  s->handle(req(http_method::delete_, "/instances/a"));
  s->handle(req(http_method::post, "/instances/a/heartbeat"));
  EXPECT_EQ(body(s->handle(req(http_method::get, "/instances/a"))).at("active"), true);
}

TEST_F(service_test, heartbeat_from_a_deregistered_generation_is_refused) {
  auto s = make();
  register_instance(*s, "a", "h1", R"(,"generation":7)");
  s->handle(req(http_method::delete_, "/instances/a"));
  auto r = s->handle(req(http_method::post, "/instances/a/heartbeat", R"({"generation":7})"));
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(body(s->handle(req(http_method::get, "/instances/a"))).at("active"), false);
  r = s->handle(req(http_method::post, "/instances/a/heartbeat", R"({"generation":8})"));
  EXPECT_EQ(r.status, 200u);
}

TEST_F(service_test, tools_group_by_name_with_per_host_metadata_and_safety_kept) {
  auto s = make();
  register_instance(*s, "a", "h1");
  register_instance(*s, "b", "h2");
  s->handle(req(http_method::post, "/instances/a/tools", deploy_tool("oracle")));
  s->handle(req(http_method::post, "/instances/b/tools", deploy_tool("root")));
  auto tools = body(s->handle(req(http_method::get, "/tools"))).as_array();
  ASSERT_EQ(tools.size(), 1u);
  const auto& t = tools[0].as_object();
  EXPECT_EQ(t.at("name"), "deploy");
  EXPECT_EQ(t.at("x-autonomy"), "confirm");
  EXPECT_FALSE(t.contains("x-run-as"));
  const auto& hosts = t.at("hosts").as_array();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].at("host"), "h1");
  EXPECT_EQ(hosts[0].at("x-run-as"), "oracle");
  EXPECT_EQ(hosts[1].at("x-run-as"), "root");
  EXPECT_EQ(s->handle(req(http_method::get, "/tools/deploy")).status, 200u);
  EXPECT_EQ(s->handle(req(http_method::get, "/tools/nope")).text(),
            R"({"detail":"Tool not found"})");
}

TEST_F(service_test, grouped_view_follows_changes_and_is_cached_between_them) {
  auto s = make();
  register_instance(*s, "a");
  s->handle(req(http_method::post, "/instances/a/tools", deploy_tool()));
  auto first = s->handle(req(http_method::get, "/tools"));
  auto second = s->handle(req(http_method::get, "/tools"));
  EXPECT_EQ(first.body.get(), second.body.get());  // same cached buffer
  s->handle(req(http_method::delete_, "/instances/a"));
  EXPECT_EQ(s->handle(req(http_method::get, "/tools")).text(), "[]");
  EXPECT_EQ(body(s->handle(req(http_method::get, "/tools?active=false"))).as_array().size(), 1u);
}

TEST_F(service_test, staleness_is_evaluated_at_read_time) {
  auto s = make();
  register_instance(*s, "a", "h1", R"(,"heartbeat_interval":10)");
  s->handle(req(http_method::post, "/instances/a/tools", deploy_tool()));
  EXPECT_EQ(body(s->handle(req(http_method::get, "/tools"))).as_array().size(), 1u);
  clock_->now += std::chrono::seconds(31);  // > 3 x 10 s, no sweep ran
  EXPECT_TRUE(body(s->handle(req(http_method::get, "/tools"))).as_array().empty());
  EXPECT_EQ(body(s->handle(req(http_method::get, "/instances/a"))).at("active"), false);
  EXPECT_EQ(s->live_instances(), 0u);
  s->handle(req(http_method::post, "/instances/a/heartbeat"));
  EXPECT_EQ(body(s->handle(req(http_method::get, "/tools"))).as_array().size(), 1u);
}

TEST_F(service_test, sweep_marks_stale_then_collects_after_retention) {
  service_options o;
  o.retention = std::chrono::seconds(60);
  auto s = make(o);
  register_instance(*s, "a");
  register_instance(*s, "b");
  clock_->now += std::chrono::seconds(80);
  s->handle(req(http_method::post, "/instances/b/heartbeat"));
  clock_->now += std::chrono::seconds(20);  // a: 100 s > 90 s; b: 20 s
  auto r = s->sweep();
  EXPECT_EQ(r.marked_inactive, 1u);
  EXPECT_EQ(r.garbage_collected, 0u);
  clock_->now += std::chrono::seconds(61);
  r = s->sweep();
  EXPECT_EQ(r.garbage_collected, 1u);
  EXPECT_EQ(s->handle(req(http_method::get, "/instances/a")).status, 404u);
}

TEST_F(service_test, hosts_one_row_per_host_and_name) {
  auto s = make();
  register_instance(*s, "a", "h1");
  register_instance(*s, "b", "h1");
  register_instance(*s, "c", "h2");
  s->handle(req(http_method::delete_, "/instances/c"));
  auto hosts = body(s->handle(req(http_method::get, "/hosts"))).as_array();
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].at("instance_id"), "a");
  EXPECT_EQ(hosts[0].at("tool_count"), 0);
}

TEST_F(service_test, active_query_accepts_fastapi_booleans_and_rejects_others) {
  auto s = make();
  EXPECT_EQ(s->handle(req(http_method::get, "/instances?active=yes")).status, 200u);
  EXPECT_EQ(s->handle(req(http_method::get, "/tools?active=0")).status, 200u);
  auto r = s->handle(req(http_method::get, "/tools?active=maybe"));
  ASSERT_EQ(r.status, 422u);
  EXPECT_EQ(body(r).at("detail").as_array().at(0).at("loc"), (json::array{"query", "active"}));
}

TEST_F(service_test, writes_need_the_key_reads_do_not) {
  service_options o;
  o.api_key = "secret";
  auto s = make(o);
  auto r = s->handle(req(http_method::post, "/instances",
                         R"({"instance_id":"a","name":"n","version":"1","host":"h"})"));
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.text(), R"({"detail":"Invalid or missing API key"})");
  r = s->handle(req(http_method::post, "/instances",
                    R"({"instance_id":"a","name":"n","version":"1","host":"h"})", "wrong"));
  EXPECT_EQ(r.status, 403u);
  r = s->handle(req(http_method::post, "/instances",
                    R"({"instance_id":"a","name":"n","version":"1","host":"h"})", "secret"));
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(s->handle(req(http_method::get, "/instances")).status, 200u);
  EXPECT_EQ(s->handle(req(http_method::delete_, "/instances/a")).status, 403u);
  EXPECT_EQ(s->handle(req(http_method::post, "/instances/a/heartbeat")).status, 403u);
  EXPECT_EQ(s->handle(req(http_method::post, "/instances/a/tools", "{}")).status, 403u);
}

TEST_F(service_test, heartbeat_limit_is_per_exact_path_with_retry_after) {
  auto s = make();
  register_instance(*s, "a");
  register_instance(*s, "b");
  for (int i = 0; i < 120; ++i) {
    ASSERT_EQ(s->handle(req(http_method::post, "/instances/a/heartbeat")).status, 200u);
  }
  auto r = s->handle(req(http_method::post, "/instances/a/heartbeat"));
  ASSERT_EQ(r.status, 429u);
  EXPECT_EQ(r.text(), R"({"detail":"Rate limit exceeded: 120 per 1 minute"})");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(s->handle(req(http_method::post, "/instances/b/heartbeat")).status, 200u);
  clock_->now += std::chrono::seconds(61);
  EXPECT_EQ(s->handle(req(http_method::post, "/instances/a/heartbeat")).status, 200u);
}

TEST_F(service_test, failed_auth_is_rate_limited_across_paths) {
  service_options o;
  o.api_key = "secret";
  auto s = make(o);
  for (int i = 0; i < 60; ++i) {
    auto path = "/instances/id" + std::to_string(i) + "/heartbeat";
    ASSERT_EQ(s->handle(req(http_method::post, path, {}, "guess")).status, 403u);
  }
  EXPECT_EQ(s->handle(req(http_method::post, "/instances/x/heartbeat", {}, "guess")).status, 429u);
}

TEST_F(service_test, unknown_route_404_wrong_method_405) {
  auto s = make();
  auto r = s->handle(req(http_method::get, "/nope"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.text(), R"({"detail":"Not Found"})");
  r = s->handle(req(http_method::put, "/instances"));
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.text(), R"({"detail":"Method Not Allowed"})");
}

TEST_F(service_test, exports_list_live_hosts_and_escape) {
  auto s = make();
  register_instance(*s, "a", "web<1>");
  register_instance(*s, "b", "db#2%x");
  auto xml = s->handle(req(http_method::get, "/export/superputty?user=bob"));
  EXPECT_EQ(xml.content_type, "application/xml");
  EXPECT_NE(xml.text().find("Host=\"web&lt;1&gt;\""), std::string::npos);
  EXPECT_NE(xml.text().find("Username=\"bob\""), std::string::npos);
  auto moba = s->handle(req(http_method::get, "/export/mobaxterm?user=bob"));
  EXPECT_TRUE(moba.text().starts_with("[Bookmarks]\n"));
  EXPECT_NE(moba.text().find("\ndb2x=#109#0%db2x%22%bob%"), std::string::npos);
  EXPECT_EQ(moba.text().back(), '\n');
}

TEST_F(service_test, metrics_count_routes_and_rejections) {
  auto s = make();
  s->handle(req(http_method::get, "/health"));
  s->handle(req(http_method::get, "/nope"));
  auto m = s->handle(req(http_method::get, "/metrics")).text();
  EXPECT_NE(
      m.find(R"(neuromesh_catalog_requests_total{method="GET",route="/health",status="200"} 1)"),
      std::string::npos);
  EXPECT_NE(m.find("neuromesh_catalog_instances_active 0"), std::string::npos);
}

TEST_F(service_test, neurons_lists_the_registry_records_with_filters) {
  auto s = make();
  auto get = [&](std::string target) {
    return settled(s->handle(req(http_method::get, std::move(target))));
  };
  EXPECT_EQ(get("/neurons").status, 503u);  // no registry wired
  auto reg = std::make_shared<registry::memory_store>();
  ASSERT_TRUE(reg->connect());
  registry::neuron_record a;
  a.neuron_id = "n1";
  a.capabilities = {"summarize"};
  registry::neuron_record b;
  b.neuron_id = "n2";
  b.capabilities = {"translate"};
  ASSERT_TRUE(reg->upsert(a));
  ASSERT_TRUE(reg->upsert(b));
  ASSERT_TRUE(reg->mark_deregistered("n2"));
  s->set_neuron_lister(make_neuron_lister(reg));
  auto all = body(get("/neurons")).as_array();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].at("neuron_id"), "n1");
  EXPECT_EQ(body(get("/neurons?include_deregistered=true")).as_array().size(), 2u);
  EXPECT_TRUE(body(get("/neurons?capability=translate")).as_array().empty());
  EXPECT_EQ(get("/neurons?include_deregistered=x").status, 422u);
}

TEST_F(service_test, neurons_are_read_on_the_reader_thread_never_the_callers) {
  auto s = make();
  std::thread::id lister_thread;
  s->set_neuron_lister([&](const std::optional<std::string>&, bool) -> std::optional<std::string> {
    lister_thread = std::this_thread::get_id();
    return "[]";
  });
  auto r = s->handle(req(http_method::get, "/neurons"));
  ASSERT_TRUE(r.deferred);  // the caller got a promise, not the registry's answer
  auto done = r.deferred->wait();
  EXPECT_EQ(done.status, 200u);
  EXPECT_EQ(done.text(), "[]");
  EXPECT_NE(lister_thread, std::thread::id());
  EXPECT_NE(lister_thread, std::this_thread::get_id());
}

TEST_F(service_test, failed_key_checks_and_invalid_bodies_do_not_use_up_the_route_budget) {
  service_options o;
  o.api_key = "secret";
  auto s = make(o);
  auto post = [&](std::optional<std::string> body, std::optional<std::string> key) {
    return s->handle(req(http_method::post, "/instances", std::move(body), std::move(key))).status;
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(post(R"({"instance_id":"x"})", "wrong"), 403u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(post(R"({"instance_id":"x"})", "secret"), 422u);
  EXPECT_EQ(post("{not json", "secret"), 422u);
  // The runspec-registry client suite's case: 56 registrations after the bad requests.
  for (int i = 0; i < 56; ++i) {
    auto body = R"({"instance_id":"i)" + std::to_string(i) +
                R"(","name":"agent","version":"1","host":"h"})";
    ASSERT_EQ(post(body, "secret"), 201u) << "registration " << i;
  }
  // The budget is 60 accepted requests: 4 more fit, the next is refused.
  auto again = R"({"instance_id":"i0","name":"agent","version":"1","host":"h"})";
  for (int i = 0; i < 4; ++i) EXPECT_EQ(post(again, "secret"), 201u);
  EXPECT_EQ(post(again, "secret"), 429u);
  // Failed key checks counted in their own bucket: 3 of 60 used, so a wrong key is still 403.
  EXPECT_EQ(post(again, "wrong"), 403u);
}

}  // namespace
}  // namespace neuromesh::catalog

namespace neuromesh::catalog {
namespace {

TEST_F(service_test, the_extension_answers_only_what_no_catalog_route_matches) {
  auto s = make();
  std::vector<std::string> asked;
  service_extension ext;
  ext.handle = [&](const request& r) -> std::optional<response> {
    asked.push_back(r.target);
    if (r.target != "/page") return std::nullopt;
    response out;
    out.content_type = "text/html";
    out.body = std::make_shared<const std::string>("<p>hi</p>");
    return out;
  };
  ext.metrics = [] { return std::string("extra_metric 7\n"); };
  s->set_extension(ext);
  auto page = s->handle(req(http_method::get, "/page"));
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.text(), "<p>hi</p>");
  EXPECT_EQ(s->handle(req(http_method::get, "/nothing")).status, 404u);
  EXPECT_EQ(s->handle(req(http_method::get, "/health")).status, 200u);
  EXPECT_EQ(s->handle(req(http_method::delete_, "/health")).status, 405u);  // catalog's own
  EXPECT_EQ(asked, (std::vector<std::string>{"/page", "/nothing"}));
  auto metrics = s->handle(req(http_method::get, "/metrics")).text();
  EXPECT_NE(metrics.find("extra_metric 7\n"), std::string::npos);
  EXPECT_NE(
      metrics.find(
          R"(neuromesh_catalog_requests_total{method="ANY",route="extension",status="200"} 1)"),
      std::string::npos)
      << metrics;
}

TEST(event_stream, queues_wakes_once_and_cuts_off_an_overflowing_reader) {
  event_stream s(10);
  std::string out;
  int wakes = 0;
  EXPECT_EQ(s.poll(out, [&] { ++wakes; }), event_stream::poll_result::wait);
  EXPECT_TRUE(s.push("abc"));
  EXPECT_TRUE(s.push("def"));
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(s.poll(out, nullptr), event_stream::poll_result::data);
  EXPECT_EQ(out, "abcdef");
  EXPECT_FALSE(s.push("0123456789x"));  // over 10 bytes queued: closed as a slow consumer
  EXPECT_TRUE(s.overflowed());
  EXPECT_FALSE(s.push("a"));
  out.clear();
  EXPECT_EQ(s.poll(out, nullptr), event_stream::poll_result::closed);
}

}  // namespace
}  // namespace neuromesh::catalog
