#include "instance_table.h"

#include "metrics.h"
#include "views.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <stdexcept>

namespace neuromesh::catalog::detail {

instance_table::instance_table(std::unique_ptr<instance_store> store, metrics& counters)
    : store_(std::move(store)), metrics_(counters) {
  auto loaded = store_->load_all();
  if (!loaded) {
    throw std::runtime_error("catalog: cannot load instances from " + store_->describe() + ": " +
                             loaded.error().message());
  }
  for (auto& r : *loaded) {
    next_seq_ = std::max(next_seq_, r.seq + 1);
    records_.emplace(r.instance_id, std::move(r));
  }
}

void instance_table::bump_locked(bool membership) {
  any_gen_.fetch_add(1, std::memory_order_release);
  if (membership) membership_gen_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<pending_write> instance_table::submit_locked(instance_write w) {
  auto pending = std::make_shared<pending_write>();
  store_->submit(std::move(w), [pending](bool ok) { pending->complete(ok); });
  return pending;
}

write_result instance_table::register_instance(const std::string& id, registration fields,
                                               wall_time now) {
  std::unique_lock lock(mu_);
  return register_locked(id, std::move(fields), now);
}

write_result instance_table::register_locked(const std::string& id, registration fields,
                                             wall_time now) {
  auto it = records_.find(id);
  instance_record next;
  next.instance_id = id;
  next.name = std::move(fields.name);
  next.version = std::move(fields.version);
  next.host = std::move(fields.host);
  next.active = true;
  next.last_seen = now;
  next.heartbeat_interval = fields.heartbeat_interval.value_or(default_heartbeat_interval);
  if (fields.tools) next.tools = std::move(*fields.tools);
  if (it != records_.end()) {
    const auto& old = it->second;
    // A late register from a generation the client already deregistered must not
    // resurrect the instance (§14: deregistration beats older generations).
    if (fields.generation && old.deregistered_generation &&
        *fields.generation <= *old.deregistered_generation) {
      return {write_outcome::deregistered, nullptr};
    }
    next.seq = old.seq;  // a dict overwrite keeps its position, as in the reference
    next.generation = fields.generation.value_or(old.generation + 1);
    next.deregistered_generation = old.deregistered_generation;
  } else {
    next.seq = next_seq_++;
    next.generation = fields.generation.value_or(1);
  }
  auto pending = submit_locked(instance_write::upsert(next));
  records_.insert_or_assign(id, std::move(next));
  bump_locked(true);
  return {write_outcome::ok, std::move(pending)};
}

heartbeat_outcome instance_table::heartbeat(const std::string& id,
                                            std::optional<registration> fields,
                                            std::optional<std::int64_t> generation, wall_time now) {
  std::unique_lock lock(mu_);
  auto it = records_.find(id);
  if (it == records_.end()) {
    if (!fields)
      return {write_outcome::ok, true, nullptr};  // the reference: refresh, nothing created
    if (generation && !fields->generation) fields->generation = generation;
    bool has_tools = fields->tools && !fields->tools->empty();
    auto r = register_locked(id, std::move(*fields), now);
    return {r.outcome, !has_tools, std::move(r.pending)};
  }
  auto& rec = it->second;
  if (generation && rec.deregistered_generation && *generation <= *rec.deregistered_generation) {
    return {write_outcome::deregistered, false, nullptr};
  }
  bool was_live = rec.live_at(now);
  // The hot path (an active instance) writes only last_seen into the narrow heartbeat
  // table; a reactivation rewrites the row's state too.
  auto pending =
      submit_locked(rec.active && !rec.inactive_since ? instance_write::heartbeat(id, now)
                                                      : instance_write::touch(id, now));
  rec.last_seen = now;
  rec.active = true;
  rec.inactive_since.reset();
  bump_locked(!was_live);
  return {write_outcome::ok, rec.tools.empty(), std::move(pending)};
}

write_result instance_table::set_tools(const std::string& id, boost::json::array tools,
                                       wall_time /*now*/) {
  std::unique_lock lock(mu_);
  auto it = records_.find(id);
  if (it == records_.end()) return {write_outcome::not_found, nullptr};
  it->second.tools = std::move(tools);
  auto pending = submit_locked(instance_write::upsert(it->second));
  bump_locked(true);
  return {write_outcome::ok, std::move(pending)};
}

write_result instance_table::deregister(const std::string& id, wall_time now) {
  std::unique_lock lock(mu_);
  auto it = records_.find(id);
  if (it == records_.end()) return {write_outcome::ok, nullptr};
  auto& rec = it->second;
  rec.active = false;
  rec.deregistered_generation = rec.generation;
  if (!rec.inactive_since) rec.inactive_since = now;
  // upsert, not deactivate: the deregistered generation must persist too.
  auto pending = submit_locked(instance_write::upsert(rec));
  bump_locked(true);
  return {write_outcome::ok, std::move(pending)};
}

namespace {

// Settles `all` once every one of n writes settled: ok when all committed.
std::function<void(bool)> joined(std::shared_ptr<pending_write> all, std::size_t n) {
  struct state {
    std::atomic<std::size_t> left;
    std::atomic<bool> ok{true};
  };
  auto st = std::make_shared<state>();
  st->left = n;
  return [all = std::move(all), st](bool ok) {
    if (!ok) st->ok = false;
    if (st->left.fetch_sub(1) == 1) all->complete(st->ok.load());
  };
}

}  // namespace

sweep_outcome instance_table::sweep(wall_time now, std::chrono::milliseconds retention) {
  std::unique_lock lock(mu_);
  sweep_outcome out;
  std::vector<instance_write> writes;
  std::vector<std::string> expired;
  for (auto& [id, r] : records_) {
    if (r.active && !r.live_at(now)) {
      r.active = false;
      r.inactive_since = now;
      writes.push_back(instance_write::deactivate(id, now));
      ++out.counts.marked_inactive;
    } else if (!r.active) {
      auto since = r.inactive_since.value_or(r.last_seen);
      if (now - since > retention) expired.push_back(id);
    }
  }
  for (auto& id : expired) {
    records_.erase(id);
    writes.push_back(instance_write::erase(std::move(id)));
    ++out.counts.garbage_collected;
  }
  if (writes.empty()) return out;
  out.pending = std::make_shared<pending_write>();
  auto done = joined(out.pending, writes.size());
  for (auto& w : writes) store_->submit(std::move(w), done);
  bump_locked(true);
  return out;
}

std::vector<const instance_record*> instance_table::select_locked(bool active_only, wall_time now,
                                                                  wall_time& earliest) const {
  std::vector<const instance_record*> out;
  out.reserve(records_.size());
  earliest = wall_time::max();
  for (const auto& [id, r] : records_) {
    bool live = r.live_at(now);
    if (live) earliest = std::min(earliest, r.last_seen + stale_factor * r.heartbeat_interval);
    if (!active_only || live) out.push_back(&r);
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->seq < b->seq; });
  return out;
}

template <class T, class Build>
std::shared_ptr<const T> instance_table::cached(slot<T>& s, const std::atomic<std::uint64_t>& gen,
                                                wall_time now, bool time_dependent, Build build) {
  {
    std::lock_guard vlock(views_mu_);
    if (s.built && s.generation == gen.load(std::memory_order_acquire) &&
        (!time_dependent || now <= s.valid_until)) {
      return s.value;
    }
  }
  std::shared_lock lock(mu_);
  auto generation = gen.load(std::memory_order_acquire);  // stable while mu_ is shared-held
  wall_time earliest;
  auto value = std::make_shared<const T>(build(earliest));
  metrics_.count_view_rebuild();
  std::lock_guard vlock(views_mu_);
  s.value = value;
  s.generation = generation;
  s.valid_until = earliest;
  s.built = true;
  return value;
}

std::shared_ptr<const std::string> instance_table::instances_body(bool active_only, wall_time now) {
  // The record shows `active` and `last_seen`, so every change and every expiry counts.
  return cached(instances_[active_only], any_gen_, now, true, [&](wall_time& earliest) {
    boost::json::array arr;
    for (const auto* r : select_locked(active_only, now, earliest)) {
      arr.push_back(instance_json(*r, now));
    }
    return boost::json::serialize(arr);
  });
}

std::optional<std::string> instance_table::instance_body(const std::string& id,
                                                         wall_time now) const {
  std::shared_lock lock(mu_);
  auto it = records_.find(id);
  if (it == records_.end()) return std::nullopt;
  return boost::json::serialize(instance_json(it->second, now));
}

std::shared_ptr<const tool_view> instance_table::tools(bool active_only, wall_time now) {
  return cached(tools_[active_only], membership_gen_, now, active_only, [&](wall_time& earliest) {
    return group_tools(select_locked(active_only, now, earliest));
  });
}

std::shared_ptr<const std::vector<host_entry>> instance_table::hosts(bool active_only,
                                                                     wall_time now) {
  return cached(hosts_[active_only], membership_gen_, now, active_only, [&](wall_time& earliest) {
    return collect_hosts(select_locked(active_only, now, earliest));
  });
}

std::size_t instance_table::live(wall_time now) const {
  std::shared_lock lock(mu_);
  return static_cast<std::size_t>(std::count_if(
      records_.begin(), records_.end(), [&](const auto& kv) { return kv.second.live_at(now); }));
}

std::size_t instance_table::size() const {
  std::shared_lock lock(mu_);
  return records_.size();
}

}  // namespace neuromesh::catalog::detail
