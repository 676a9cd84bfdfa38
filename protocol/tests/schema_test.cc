#include "neuromesh/protocol/schema.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace neuromesh::protocol {
namespace {

TEST(schema, describes_the_nine_fields_with_type_required) {
  auto s = signal_json_schema();
  const auto& props = s.at("properties").as_object();
  std::vector<std::string> keys;
  for (const auto& kv : props) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"v", "id", "trace_id", "parent_id", "type", "directed",
                                            "ts", "payload", "meta"}));
  EXPECT_EQ(s.at("required").as_array(), boost::json::array{"type"});
  const auto& types = s.at("$defs").at("SignalType").at("enum").as_array();
  EXPECT_EQ(types.size(), 32u);
  EXPECT_NE(std::find(types.begin(), types.end(), boost::json::value("AUDIT")), types.end());
}

TEST(schema, text_is_python_json_dumps_indent_2) {
  auto text = signal_json_schema_text();
  EXPECT_TRUE(
      text.starts_with("{\n  \"$defs\": {\n    \"Directed\": {\n      \"properties\": {\n"));
  EXPECT_NE(text.find("\"required\": [\n    \"type\"\n  ],"), std::string::npos);
  EXPECT_EQ(boost::json::parse(text).as_object(), signal_json_schema());
}

}  // namespace
}  // namespace neuromesh::protocol
