#include "neuromesh/bus/filter.h"

#include <boost/json/parse.hpp>

#include <charconv>

namespace neuromesh::bus {
namespace {

constexpr int max_depth = 128;

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    auto dot = path.find('.', start);
    out.emplace_back(path.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

const boost::json::value* lookup(const boost::json::value& root,
                                 const std::vector<std::string>& path) {
  const boost::json::value* cur = &root;
  for (const auto& seg : path) {
    if (const auto* o = cur->if_object()) {
      cur = o->if_contains(seg);
      if (!cur) return nullptr;
    } else if (const auto* a = cur->if_array()) {
      std::size_t idx = 0;
      auto [p, ec] = std::from_chars(seg.data(), seg.data() + seg.size(), idx);
      if (ec != std::errc() || p != seg.data() + seg.size() || idx >= a->size()) return nullptr;
      cur = &(*a)[idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

using parse_result = boost::system::result<filter, filter_error>;

parse_result parse_node(const boost::json::value& doc, const std::string& at, int depth);

parse_result parse_eq(const boost::json::object& o, const std::string& at) {
  const auto* path = o.if_contains("path");
  const auto* value = o.if_contains("value");
  if (!path) return filter_error{at + ".path", "missing"};
  if (!path->is_string()) return filter_error{at + ".path", "expected a string"};
  if (!value) return filter_error{at + ".value", "missing"};
  if (o.size() != 2) return filter_error{at, "an equality takes exactly \"path\" and \"value\""};
  return filter::eq(std::string_view(path->get_string()), *value);
}

parse_result parse_list(const boost::json::value& v, const std::string& at, int depth, bool all) {
  if (!v.is_array()) return filter_error{at, "expected an array of filters"};
  std::vector<filter> children;
  std::size_t i = 0;
  for (const auto& child : v.get_array()) {
    auto f = parse_node(child, at + "[" + std::to_string(i++) + "]", depth + 1);
    if (!f) return f.error();
    children.push_back(std::move(*f));
  }
  return all ? filter::all_of(std::move(children)) : filter::any_of(std::move(children));
}

parse_result parse_node(const boost::json::value& doc, const std::string& at, int depth) {
  if (depth > max_depth) return filter_error{at, "nested deeper than 128"};
  const auto* o = doc.if_object();
  if (!o) return filter_error{at, "expected an object"};
  if (o->size() == 1) {
    const auto& kv = *o->begin();
    std::string_view k = kv.key();
    if (k == "$and") return parse_list(kv.value(), at + ".$and", depth, true);
    if (k == "$or") return parse_list(kv.value(), at + ".$or", depth, false);
    if (k == "$not") {
      auto f = parse_node(kv.value(), at + ".$not", depth + 1);
      if (!f) return f.error();
      return filter::negate(std::move(*f));
    }
    if (k == "$eq") {
      if (!kv.value().is_object()) return filter_error{at + ".$eq", "expected an object"};
      return parse_eq(kv.value().get_object(), at + ".$eq");
    }
  }
  for (const auto& kv : *o) {
    if (kv.key().starts_with("$") && kv.key() != "$and" && kv.key() != "$or" &&
        kv.key() != "$not" && kv.key() != "$eq") {
      return filter_error{at + "." + std::string(kv.key()), "unknown operator"};
    }
  }
  if (o->contains("path") || o->contains("value")) return parse_eq(*o, at);
  return filter_error{at, "expected $and, $or, $not, $eq or {\"path\", \"value\"}"};
}

}  // namespace

filter filter::eq(std::string_view path, boost::json::value value) {
  filter f;
  f.kind_ = kind::eq;
  f.path_ = split_path(path);
  f.value_ = std::move(value);
  return f;
}

filter filter::all_of(std::vector<filter> children) {
  filter f;
  f.kind_ = kind::all;
  f.children_ = std::move(children);
  return f;
}

filter filter::any_of(std::vector<filter> children) {
  filter f;
  f.kind_ = kind::any;
  f.children_ = std::move(children);
  return f;
}

filter filter::negate(filter child) {
  filter f;
  f.kind_ = kind::negate;
  f.children_.push_back(std::move(child));
  return f;
}

parse_result filter::parse(const boost::json::value& doc) { return parse_node(doc, "filter", 0); }

parse_result filter::parse_json(std::string_view json_text) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 2 * max_depth + 8;
  auto v = boost::json::parse(json_text, ec, {}, opts);
  if (ec) return filter_error{"filter", "not JSON: " + ec.message()};
  return parse(v);
}

bool filter::matches(const boost::json::value& event) const {
  switch (kind_) {
    case kind::eq: {
      const auto* v = lookup(event, path_);
      return v && *v == value_;
    }
    case kind::all:
      if (children_.empty()) return false;
      for (const auto& c : children_) {
        if (!c.matches(event)) return false;
      }
      return true;
    case kind::any:
      for (const auto& c : children_) {
        if (c.matches(event)) return true;
      }
      return false;
    case kind::negate:
      return !children_.front().matches(event);
  }
  return false;
}

boost::json::value filter::to_json() const {
  switch (kind_) {
    case kind::eq: {
      std::string path;
      for (std::size_t i = 0; i < path_.size(); ++i) {
        if (i) path += '.';
        path += path_[i];
      }
      return boost::json::object{{"path", path}, {"value", value_}};
    }
    case kind::all:
    case kind::any: {
      boost::json::array a;
      for (const auto& c : children_) a.push_back(c.to_json());
      return boost::json::object{{kind_ == kind::all ? "$and" : "$or", std::move(a)}};
    }
    case kind::negate:
      return boost::json::object{{"$not", children_.front().to_json()}};
  }
  return nullptr;
}

}  // namespace neuromesh::bus
