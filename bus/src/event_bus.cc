#include "neuromesh/bus/event_bus.h"

#include "cursor.h"
#include "neuromesh/bus/errc.h"
#include "neuromesh/bus/error.h"
#include "neuromesh/bus/memory_adapter.h"
#include "neuromesh/bus/producer_nonce.h"
#include "notifier.h"
#include "sequence_lease.h"
#include "shard.h"
#include "shard_map.h"
#include "shard_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <optional>

namespace neuromesh::bus {

using clock = std::chrono::steady_clock;

namespace {

void validate(const bus_config& c) {
  if (c.shards == 0) throw config_error("shards must be at least 1, got 0");
  if (c.ring_capacity < 1024 || !std::has_single_bit(c.ring_capacity)) {
    throw config_error("ring_capacity must be a power of two >= 1024, got " +
                       std::to_string(c.ring_capacity));
  }
  if (const auto* s = std::get_if<backpressure::sample>(&c.mode); s && s->rate == 0) {
    throw config_error("backpressure sample rate must be at least 1, got 0");
  }
  const auto& b = c.batching;
  if (b.min_size == 0) throw config_error("batching.min_size must be at least 1, got 0");
  if (b.max_size < b.min_size || b.max_size > 1'000'000) {
    throw config_error("batching.max_size must be in [min_size, 1000000], got " +
                       std::to_string(b.max_size));
  }
  if (b.max_delay.count() <= 0) throw config_error("batching.max_delay must be positive");
  if (b.velocity_window.count() <= 0) {
    throw config_error("batching.velocity_window must be positive");
  }
  if (c.retention.max_events == 0) throw config_error("retention.max_events must be at least 1");
  if (c.adapter_timeout.count() <= 0) throw config_error("adapter_timeout must be positive");
}

}  // namespace

event_bus::event_bus(bus_config config, std::unique_ptr<adapter> a)
    : config_(std::move(config)),
      adapter_(std::move(a)),
      delivered_(std::make_unique<detail::notifier>()) {}

std::shared_ptr<event_bus> event_bus::start(bus_config config, std::unique_ptr<adapter> a) {
  validate(config);
  if (!a) a = std::make_unique<memory_adapter>(config.retention);
  std::shared_ptr<event_bus> bus(new event_bus(std::move(config), std::move(a)));
  if (bus->config_.producer_nonce_path.empty()) {
    bus->nonce_ = fresh_producer_nonce();
  } else {
    auto l = detail::sequence_leases::open(bus->config_.producer_nonce_path, bus->config_.shards);
    if (!l) {
      throw config_error("producer_nonce_path '" + bus->config_.producer_nonce_path +
                         "': " + l.error().message());
    }
    bus->leases_ = std::move(*l);
    bus->nonce_ = bus->leases_->nonce();
  }
  if (auto r = bus->adapter_->init(bus->config_.shards); !r) {
    if (!is_transient(r.error())) {
      throw adapter_error(r.error(), std::string(bus->adapter_->name()) + " adapter init");
    }
    spdlog::warn("bus: {} adapter not ready ({}); batches will retry", bus->adapter_->name(),
                 r.error().message());
  }
  for (std::uint16_t i = 0; i < bus->config_.shards; ++i) {
    bus->shards_.push_back(
        std::make_unique<detail::shard>(i, bus->config_.ring_capacity, bus->config_.mode));
  }
  for (auto& s : bus->shards_) {
    bus->workers_.push_back(std::make_unique<detail::shard_worker>(*bus, *s));
  }
  for (auto& w : bus->workers_) w->start();
  return bus;
}

event_bus::~event_bus() { (void)shutdown(); }

boost::system::result<receipt> event_bus::push(std::uint16_t shard, const raw_event& ev) {
  auto ts = shards_[shard]->push(ev);
  if (!ts) return ts.error();
  return receipt{shard, *ts};
}

boost::system::result<receipt> event_bus::emit_raw(const raw_event& ev) {
  return push(detail::shard_map(shards()).for_hash(ev.hash()), ev);
}

boost::system::result<receipt> event_bus::emit_raw(const raw_event& ev, partition_key key) {
  return push(detail::shard_map(shards()).for_key(key.value), ev);
}

boost::system::result<receipt> event_bus::emit_raw_to(std::uint16_t shard, const raw_event& ev) {
  if (shard >= shards()) {
    unrouted_.fetch_add(1, std::memory_order_relaxed);
    return make_error_code(errc::unrouted);
  }
  return push(shard, ev);
}

std::size_t event_bus::emit_raw_batch(std::span<const raw_event> events) {
  detail::shard_map map(shards());
  if (shards() == 1) {
    std::vector<const raw_event*> all;
    all.reserve(events.size());
    for (const auto& e : events) all.push_back(&e);
    return shards_[0]->push_many(all.data(), all.size());
  }
  // Group by shard, keeping emit order within each group.
  std::vector<std::vector<const raw_event*>> groups(shards());
  for (const auto& e : events) groups[map.for_hash(e.hash())].push_back(&e);
  std::size_t accepted = 0;
  for (std::uint16_t s = 0; s < shards(); ++s) {
    if (!groups[s].empty()) accepted += shards_[s]->push_many(groups[s].data(), groups[s].size());
  }
  return accepted;
}

void event_bus::notify_settled() {
  { std::lock_guard lk(flush_mu_); }
  flush_cv_.notify_all();
}

boost::system::result<void> event_bus::flush(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::vector<std::uint64_t> want;
  want.reserve(shards_.size());
  for (auto& s : shards_) want.push_back(s->accepted_.get());
  flush_epoch_.fetch_add(1, std::memory_order_acq_rel);
  for (auto& s : shards_) s->wake();
  auto settled = [&] {
    for (std::size_t i = 0; i < shards_.size(); ++i) {
      if (shards_[i]->settled() < want[i]) return false;
    }
    return true;
  };
  {
    std::unique_lock lk(flush_mu_);
    if (!flush_cv_.wait_until(lk, deadline, settled)) return make_error_code(errc::timeout);
  }
  return adapter_->flush();
}

boost::system::result<poll_response> event_bus::poll(const poll_request& request) {
  auto cursor = detail::decode_cursor(request.cursor, shards());
  if (!cursor) return cursor.error();
  return poll_from(request, *cursor);
}

boost::system::result<poll_response> event_bus::poll_from(const poll_request& request,
                                                          detail::cursor_map& cursor) {
  poll_response out;
  std::vector<std::uint16_t> which = request.shards;
  if (which.empty()) {
    for (std::uint16_t s = 0; s < shards(); ++s) which.push_back(s);
  }
  for (auto s : which) {
    if (s >= shards()) return make_error_code(errc::unrouted);
  }
  struct candidate {
    event ev;
    bool match;
  };
  // A filter can reject most of a page; read on (a bounded number of pages) to fill limit.
  for (int round = 0; round < 16 && out.events.size() < request.limit; ++round) {
    const std::size_t want = request.limit - out.events.size();
    std::vector<candidate> all;
    bool more = false;
    for (auto s : which) {
      auto it = cursor.last_id.find(s);
      std::string_view after = it == cursor.last_id.end() ? std::string_view() : it->second;
      auto page = adapter_->poll_shard(s, after, want);
      if (!page) return page.error();
      more = more || page->has_more;
      for (auto& e : page->events) {
        bool match = true;
        if (request.filter) {
          auto v = e.json();
          match = v && request.filter->matches(*v);
        }
        all.push_back({std::move(e), match});
      }
    }
    if (request.order == ordering::insertion_ts) {
      std::stable_sort(all.begin(), all.end(), [](const candidate& a, const candidate& b) {
        return a.ev.insertion_ts < b.ev.insertion_ts;
      });
    }
    std::size_t consumed = 0;
    for (auto& c : all) {
      if (out.events.size() >= request.limit) break;
      cursor.last_id[c.ev.shard_id] = c.ev.id;
      ++consumed;
      if (c.match) out.events.push_back(std::move(c.ev));
    }
    out.has_more = more || consumed < all.size();
    if (!out.has_more) break;
  }
  out.next_cursor = detail::encode_cursor(cursor);
  return out;
}

bus_stats event_bus::stats() const {
  bus_stats st;
  for (const auto& s : shards_) {
    shard_stats ss;
    ss.shard_id = s->id();
    ss.events_ingested = s->accepted_.get();
    ss.dropped_newest = s->dropped_newest_.get();
    ss.dropped_oldest = s->dropped_oldest_.get();
    ss.dropped_sampled = s->dropped_sampled_.get();
    ss.rejected_fail_producer = s->rejected_fail_producer_.get();
    ss.events_dispatched = s->dispatched_.get();
    ss.batches_dispatched = s->batches_.get();
    ss.dispatch_failed = s->dispatch_failed_.get();
    std::uint64_t settled = s->settled();
    ss.queued = ss.events_ingested > settled ? ss.events_ingested - settled : 0;
    ss.current_batch_target = s->batch_target_.load(std::memory_order_relaxed);
    st.events_ingested += ss.events_ingested;
    st.dropped_newest += ss.dropped_newest;
    st.dropped_oldest += ss.dropped_oldest;
    st.dropped_sampled += ss.dropped_sampled;
    st.rejected_fail_producer += ss.rejected_fail_producer;
    st.events_dispatched += ss.events_dispatched;
    st.batches_dispatched += ss.batches_dispatched;
    st.dispatch_failed += ss.dispatch_failed;
    st.adapter_transient_errors += s->transient_errors_.get();
    st.adapter_fatal_errors += s->fatal_errors_.get();
    st.adapter_retries += s->retries_.get();
    st.sequence_leases += s->leases_.get();
    st.sequence_lease_failures += s->lease_failures_.get();
    st.shards.push_back(ss);
  }
  st.events_unrouted = unrouted_.load(std::memory_order_relaxed);
  st.events_dropped = st.dropped_newest + st.dropped_oldest + st.dropped_sampled +
                      st.rejected_fail_producer + st.events_unrouted + st.dispatch_failed;
  if (const auto* m = dynamic_cast<const memory_adapter*>(adapter_.get())) {
    st.retained_events = m->retained_events();
    st.retained_bytes = m->retained_bytes();
    st.retention_expired = m->expired();
  }
  return st;
}

bus_health event_bus::health() const {
  bus_health h;
  h.accepting = !closing_.load(std::memory_order_acquire);
  h.adapter = std::string(adapter_->name());
  h.adapter_healthy = adapter_->is_healthy();
  h.shards = static_cast<std::uint16_t>(shards_.size());
  h.healthy = h.accepting && h.adapter_healthy;
  return h;
}

boost::system::result<void> event_bus::shutdown() {
  std::lock_guard lk(shutdown_mu_);
  if (stopped_.load(std::memory_order_acquire)) return {};
  // Phase 1: refuse new events. Anything accepted before close() is in a ring.
  for (auto& s : shards_) s->close();
  shutdown_deadline_ = clock::now() + config_.shutdown_budget;
  closing_.store(true, std::memory_order_release);
  // Phase 2: each worker drains its ring to empty (retrying within the budget), then exits.
  for (auto& s : shards_) s->wake();
  for (auto& w : workers_) w->join();
  // Phase 3: the adapter's own buffers.
  auto r = adapter_->flush();
  adapter_->shutdown();
  stopped_.store(true, std::memory_order_release);
  delivered_->notify();
  auto st = stats();
  if (st.dispatch_failed > 0) {
    spdlog::warn("bus: shut down with {} events not delivered (counted in dispatch_failed)",
                 st.dispatch_failed);
  }
  return r;
}

}  // namespace neuromesh::bus
