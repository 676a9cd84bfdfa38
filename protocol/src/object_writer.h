#pragma once
// Appends "key":value members to canonical object text; the builders' payload writer.

#include "neuromesh/protocol/json_text.h"
#include "neuromesh/protocol/raw_object.h"

#include <boost/json/value.hpp>

#include <span>
#include <string>
#include <string_view>

namespace neuromesh::protocol::detail {

class object_writer {
 public:
  object_writer& raw(std::string_view key, std::string_view json) {
    start(key);
    text_.append(json);
    return *this;
  }
  object_writer& str(std::string_view key, std::string_view v) {
    start(key);
    append_json_string(text_, v);
    return *this;
  }
  object_writer& integer(std::string_view key, std::int64_t v) {
    start(key);
    append_json_int(text_, v);
    return *this;
  }
  object_writer& number(std::string_view key, double v) {
    start(key);
    append_json_float(text_, v);
    return *this;
  }
  object_writer& boolean(std::string_view key, bool v) { return raw(key, v ? "true" : "false"); }
  object_writer& value(std::string_view key, const boost::json::value& v) {
    start(key);
    append_json_value(text_, v);
    return *this;
  }
  object_writer& object(std::string_view key, const raw_object& v) { return raw(key, v.text()); }
  object_writer& strings(std::string_view key, std::span<const std::string> v) {
    start(key);
    text_.push_back('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) text_.push_back(',');
      append_json_string(text_, v[i]);
    }
    text_.push_back(']');
    return *this;
  }
  raw_object finish() {
    text_.push_back('}');
    return raw_object::from_canonical(std::move(text_));
  }

 private:
  void start(std::string_view key) {
    if (text_.size() > 1) text_.push_back(',');
    append_json_string(text_, key);
    text_.push_back(':');
  }
  std::string text_ = "{";
};

}  // namespace neuromesh::protocol::detail
