#include "views.h"

#include <boost/json/serialize.hpp>

#include <array>
#include <set>
#include <string_view>
#include <unordered_map>

namespace neuromesh::catalog::detail {
namespace {

// Per-host execution metadata (§3.2): copied into each hosts[] entry, never top-level.
constexpr std::array<std::string_view, 4> execution_keys{"x-command", "x-run-as", "x-become-method",
                                                         "x-become-flags"};
// Keys that say how safe a tool is. Unlike the reference they stay in the grouped view;
// a host whose value differs from the first instance's carries its own in hosts[].
constexpr std::array<std::string_view, 3> safety_keys{"x-autonomy", "x-autonomy-reason",
                                                      "x-output"};

bool is_execution_key(std::string_view k) {
  for (auto e : execution_keys) {
    if (e == k) return true;
  }
  return false;
}

std::string tool_name(const boost::json::object& tool) {
  auto it = tool.find("name");
  if (it == tool.end()) return {};
  if (it->value().is_string()) return std::string(it->value().get_string());
  return boost::json::serialize(it->value());
}

}  // namespace

double epoch_seconds(wall_time t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

boost::json::object instance_json(const instance_record& r, wall_time now) {
  boost::json::object o;
  o.reserve(7);
  o["instance_id"] = r.instance_id;
  o["name"] = r.name;
  o["version"] = r.version;
  o["host"] = r.host;
  o["active"] = r.live_at(now);
  o["last_seen"] = epoch_seconds(r.last_seen);
  o["tools"] = r.tools;
  return o;
}

tool_view group_tools(const std::vector<const instance_record*>& selected) {
  std::vector<boost::json::object> entries;
  std::unordered_map<std::string, std::size_t> index;
  for (const auto* r : selected) {
    for (const auto& item : r->tools) {
      if (!item.is_object()) continue;
      const auto& tool = item.get_object();
      auto name = tool_name(tool);
      auto [it, inserted] = index.try_emplace(name, entries.size());
      if (inserted) {
        boost::json::object entry;
        entry["name"] = name;
        auto d = tool.find("description");
        entry["description"] = d != tool.end() ? d->value() : boost::json::value("");
        auto s = tool.find("inputSchema");
        entry["inputSchema"] = s != tool.end() ? s->value() : boost::json::object{};
        for (const auto& kv : tool) {
          auto k = kv.key();
          if (k == "name" || k == "description" || k == "inputSchema" || k == "hosts" ||
              is_execution_key(k)) {
            continue;
          }
          entry[k] = kv.value();
        }
        entry["hosts"] = boost::json::array{};
        entries.push_back(std::move(entry));
      }
      auto& entry = entries[it->second];
      boost::json::object host;
      host["host"] = r->host;
      for (auto k : execution_keys) {
        auto f = tool.find(k);
        if (f != tool.end()) host[k] = f->value();
      }
      for (auto k : safety_keys) {
        auto f = tool.find(k);
        auto top = entry.find(k);
        if (f != tool.end() && (top == entry.end() || top->value() != f->value())) {
          host[k] = f->value();
        }
      }
      entry["hosts"].get_array().push_back(std::move(host));
    }
  }
  tool_view view;
  boost::json::array all;
  all.reserve(entries.size());
  for (auto& e : entries) {
    auto name = std::string(e["name"].get_string());
    view.by_name.emplace(std::move(name), std::make_shared<const std::string>(serialize(e)));
    all.push_back(std::move(e));
  }
  view.list_body = std::make_shared<const std::string>(boost::json::serialize(all));
  return view;
}

std::vector<host_entry> collect_hosts(const std::vector<const instance_record*>& selected) {
  std::vector<host_entry> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto* r : selected) {
    if (!seen.emplace(r->host, r->name).second) continue;  // first record wins
    out.push_back({r->host, r->name, r->instance_id, r->version, r->tools.size()});
  }
  return out;
}

}  // namespace neuromesh::catalog::detail
