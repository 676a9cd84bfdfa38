#include "neuromesh/registry/neuron_record.h"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace neuromesh::registry {
namespace {

TEST(neuron_record, defaults_match_the_reference) {
  const auto before = now_utc();
  neuron_record r;
  EXPECT_TRUE(r.capabilities.empty());
  EXPECT_FALSE(r.version);
  EXPECT_EQ(r.status, "registered");
  EXPECT_FALSE(r.last_heartbeat);
  EXPECT_GE(r.registered_at, before);
}

TEST(neuron_record, to_dict_gives_iso_strings_and_nulls_like_python) {
  neuron_record r;
  r.neuron_id = std::string("a");  // (assigning a literal trips GCC 12's -Wrestrict, PR105329)
  r.capabilities = {"nlp", "vision"};
  r.registered_at = *parse_iso8601("2026-01-01T00:00:00+00:00");
  EXPECT_EQ(boost::json::serialize(r.to_dict()),
            R"({"neuron_id":"a","capabilities":["nlp","vision"],"version":null,)"
            R"("status":"registered","last_heartbeat":null,)"
            R"("registered_at":"2026-01-01T00:00:00+00:00"})");
  r.version = "1.0";
  r.last_heartbeat = *parse_iso8601("2026-01-01T00:00:00.5Z");
  const auto d = r.to_dict();
  EXPECT_EQ(d.at("version"), "1.0");
  EXPECT_EQ(d.at("last_heartbeat"), "2026-01-01T00:00:00.500000+00:00");
}

TEST(neuron_record, has_capability_is_exact_membership) {
  neuron_record r;
  r.capabilities = {"nlp"};
  EXPECT_TRUE(r.has_capability("nlp"));
  EXPECT_FALSE(r.has_capability("nl"));
  EXPECT_FALSE(r.has_capability("NLP"));
}

}  // namespace
}  // namespace neuromesh::registry
