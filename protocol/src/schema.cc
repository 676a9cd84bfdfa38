#include "neuromesh/protocol/schema.h"

#include "neuromesh/protocol/json_text.h"
#include "neuromesh/protocol/raw_object.h"
#include "neuromesh/protocol/signal_type.h"

#include <boost/json.hpp>

namespace neuromesh::protocol {
namespace {

namespace json = boost::json;

json::value nullable(json::value inner) {
  return json::object{{"anyOf", json::array{std::move(inner), json::object{{"type", "null"}}}}};
}

json::object nullable_string(std::string_view title) {
  json::object o = nullable(json::object{{"type", "string"}}).as_object();
  o["default"] = nullptr;
  o["title"] = title;
  return o;
}

void pretty(std::string& out, const json::value& v, int indent) {
  auto newline = [&out](int n) {
    out.push_back('\n');
    out.append(static_cast<std::size_t>(n) * 2, ' ');
  };
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) {
      out.append("{}");
      return;
    }
    out.push_back('{');
    bool first = true;
    for (const auto& kv : o) {
      if (!first) out.push_back(',');
      first = false;
      newline(indent + 1);
      append_json_string(out, kv.key());
      out.append(": ");
      pretty(out, kv.value(), indent + 1);
    }
    newline(indent);
    out.push_back('}');
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty()) {
      out.append("[]");
      return;
    }
    out.push_back('[');
    bool first = true;
    for (const auto& e : a) {
      if (!first) out.push_back(',');
      first = false;
      newline(indent + 1);
      pretty(out, e, indent + 1);
    }
    newline(indent);
    out.push_back(']');
  } else {
    append_json_value(out, v);
  }
}

}  // namespace

boost::json::object signal_json_schema() {
  json::array types;
  for (int i = 0; i < signal_type_count; ++i)
    types.emplace_back(to_string(static_cast<signal_type>(i)));

  json::object directed{
      {"properties",
       json::object{{"id", nullable_string("Id")},
                    {"type", nullable_string("Type")},
                    {"capabilities", json::object{{"items", json::object{{"type", "string"}}},
                                                  {"title", "Capabilities"},
                                                  {"type", "array"}}}}},
      {"title", "Directed"},
      {"type", "object"}};
  json::object signal_type_def{
      {"enum", std::move(types)}, {"title", "SignalType"}, {"type", "string"}};

  json::object directed_prop = nullable(json::object{{"$ref", "#/$defs/Directed"}}).as_object();
  directed_prop["default"] = nullptr;
  auto free_dict = [](std::string_view title) {
    return json::object{{"additionalProperties", true}, {"title", title}, {"type", "object"}};
  };
  return json::object{
      {"$defs",
       json::object{{"Directed", std::move(directed)}, {"SignalType", std::move(signal_type_def)}}},
      {"properties",
       json::object{
           {"v", json::object{{"default", "1"}, {"title", "V"}, {"type", "string"}}},
           {"id", json::object{{"title", "Id"}, {"type", "string"}}},
           {"trace_id", json::object{{"title", "Trace Id"}, {"type", "string"}}},
           {"parent_id", nullable_string("Parent Id")},
           {"type", json::object{{"$ref", "#/$defs/SignalType"}}},
           {"directed", std::move(directed_prop)},
           {"ts", json::object{{"format", "date-time"}, {"title", "Ts"}, {"type", "string"}}},
           {"payload", free_dict("Payload")},
           {"meta", free_dict("Meta")},
       }},
      {"required", json::array{"type"}},
      {"title", "Signal"},
      {"type", "object"},
  };
}

std::string pretty_json(const boost::json::value& v) {
  std::string out;
  pretty(out, v, 0);
  return out;
}

std::string signal_json_schema_text() { return pretty_json(signal_json_schema()) + "\n"; }

}  // namespace neuromesh::protocol
