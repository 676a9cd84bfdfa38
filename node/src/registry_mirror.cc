#include "neuromesh/node/registry_mirror.h"

#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

namespace neuromesh::node {
namespace {

std::vector<std::string> string_list(std::optional<std::string_view> json) {
  std::vector<std::string> out;
  if (!json) return out;
  boost::system::error_code ec;
  auto v = boost::json::parse(*json, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& item : v.get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<std::string> string_field(const protocol::raw_object& payload, std::string_view key) {
  auto raw = payload.find(key);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(*raw, ec);
  if (ec || !v.is_string()) return std::nullopt;
  return std::string(v.get_string());
}

}  // namespace

std::string_view to_string(liveness l) noexcept {
  switch (l) {
    case liveness::alive:
      return "alive";
    case liveness::stale:
      return "stale";
    case liveness::deregistered:
      return "deregistered";
  }
  return "unknown";
}

registry_mirror::registry_mirror(std::shared_ptr<registry::registry_store> store,
                                 mirror_options options)
    : store_(std::move(store)), options_(std::move(options)) {}

void registry_mirror::count_error(const registry::store_error& e, const char* what) {
  ++stats_.store_errors;
  spdlog::warn("registry mirror: {} failed: {}", what, e.message);
}

bool registry_mirror::on_signal(const protocol::signal& s) {
  using protocol::signal_type;
  if (s.type != signal_type::register_ && s.type != signal_type::heartbeat &&
      s.type != signal_type::deregister) {
    return false;
  }
  if (!s.directed || !s.directed->id || s.directed->id->empty()) {
    ++stats_.ignored;
    return false;
  }
  const std::string& id = *s.directed->id;
  const auto now = options_.clock();
  if (s.type == signal_type::register_) {
    if (string_field(s.payload, "role") == "engram") {
      ++stats_.ignored;
      return false;
    }
    registry::neuron_record r;
    r.neuron_id = id;
    r.capabilities = string_list(s.payload.find("capabilities"));
    if (auto v = string_field(s.payload, "version"); v && !v->empty()) r.version = *v;
    r.status = std::string(registry::status::registered);
    r.last_heartbeat = now;
    r.registered_at = now;
    auto res = store_->upsert(r);
    if (!res) {
      count_error(res.error(), "upsert");
      return false;
    }
    ++stats_.registers;
    return true;
  }
  if (s.type == signal_type::heartbeat) {
    auto status = string_field(s.payload, "status");
    auto res = status ? store_->touch_heartbeat(id, now, std::string_view(*status))
                      : store_->touch_heartbeat(id, now);
    if (!res) {
      count_error(res.error(), "touch_heartbeat");
      return false;
    }
    ++stats_.heartbeats;
    return true;
  }
  auto res = store_->mark_deregistered(id);
  if (!res) {
    count_error(res.error(), "mark_deregistered");
    return false;
  }
  ++stats_.deregisters;
  return true;
}

std::vector<std::string> registry_mirror::sweep() {
  std::vector<std::string> swept;
  if (options_.stale_after.count() <= 0) return swept;
  auto records = store_->list();
  if (!records) {
    count_error(records.error(), "list (sweep)");
    return swept;
  }
  const auto now = options_.clock();
  for (const auto& r : *records) {
    auto seen = r.last_heartbeat.value_or(r.registered_at);
    if (now - seen < options_.stale_after) continue;
    auto res = store_->mark_deregistered(r.neuron_id);
    if (!res) {
      count_error(res.error(), "mark_deregistered (sweep)");
      continue;
    }
    ++stats_.swept;
    swept.push_back(r.neuron_id);
  }
  return swept;
}

liveness registry_mirror::classify(const registry::neuron_record& r) const {
  if (r.status == registry::status::deregistered) return liveness::deregistered;
  auto seen = r.last_heartbeat.value_or(r.registered_at);
  return options_.clock() - seen >= options_.suspect_after ? liveness::stale : liveness::alive;
}

}  // namespace neuromesh::node
