// Randomized bodies and targets against the whole request path: whatever arrives, the
// service answers a known status with a JSON body, names the field on 422, and keeps
// serving.
#include "neuromesh/catalog/service.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <random>
#include <set>

namespace neuromesh::catalog {
namespace {

const std::vector<std::string> seeds{
    R"({"instance_id":"a","name":"n","version":"1","host":"h"})",
    R"({"instance_id":"a","name":"n","version":"1","host":"h","heartbeat_interval":2.5,"generation":3})",
    R"({"tools":[{"name":"deploy","x-command":"/x","x-run-as":"root","inputSchema":{"type":"object"}}]})",
    R"({"system":{"pid":1,"uptime":3},"generation":9,"name":"n","version":"1","host":"h"})",
    R"({})",
    R"([])",
    "",
};

std::string mutate(std::string s, std::mt19937& rng) {
  static const std::string alphabet = "{}[]\",:0123456789.-eE truefalsn\\u\x01\xff";
  std::uniform_int_distribution<int> op(0, 3);
  int rounds = std::uniform_int_distribution<int>(0, 4)(rng);
  for (int i = 0; i < rounds; ++i) {
    auto pos = s.empty() ? 0 : std::uniform_int_distribution<std::size_t>(0, s.size())(rng);
    char c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    switch (op(rng)) {
      case 0:
        s.insert(s.begin() + static_cast<long>(pos), c);
        break;
      case 1:
        if (pos < s.size()) s.erase(pos, 1);
        break;
      case 2:
        if (pos < s.size()) s[pos] = c;
        break;
      default:
        s = s.substr(0, pos);
        break;
    }
  }
  return s;
}

TEST(catalog_fuzz, random_bodies_and_targets_get_a_json_answer_of_a_known_status) {
  service_options o;
  o.limits.enabled = false;
  catalog_service s(make_memory_store(), o);
  std::mt19937 rng(20261123);
  const std::vector<std::string> targets{
      "/instances",        "/instances/a/heartbeat", "/instances/a/tools",     "/instances/a",
      "/tools?active=%ZZ", "/tools/%64eploy",        "/instances/%/heartbeat", "//instances///a"};
  const std::set<unsigned> allowed{200, 201, 404, 405, 409, 422};
  for (int i = 0; i < 20000; ++i) {
    request r;
    r.method = i % 7 == 0 ? http_method::get : http_method::post;
    r.target = targets[static_cast<std::size_t>(i) % targets.size()];
    auto body = mutate(seeds[static_cast<std::size_t>(i) % seeds.size()], rng);
    if (!body.empty() || i % 2) r.body = body;
    r.client = "10.0.0.1";
    auto resp = s.handle(r);
    ASSERT_TRUE(allowed.count(resp.status)) << resp.status << " for " << r.target << " " << body;
    if (resp.content_type != "application/json") continue;
    boost::system::error_code ec;
    auto v = boost::json::parse(resp.text(), ec);
    ASSERT_FALSE(ec) << resp.text();
    if (resp.status == 422) {
      const auto& items = v.at("detail").as_array();
      ASSERT_FALSE(items.empty());
      for (const auto& item : items) {
        EXPECT_TRUE(item.at("loc").is_array());
        EXPECT_TRUE(item.at("msg").is_string());
        EXPECT_TRUE(item.at("type").is_string());
      }
    }
  }
  EXPECT_EQ(s.handle(request{http_method::get, "/health", {}, {}, "x"}).status, 200u);
}

}  // namespace
}  // namespace neuromesh::catalog
