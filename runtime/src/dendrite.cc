// Dendrite lifecycle: construction, attachment, handlers, start/stop (§4.2–4.5), heartbeats,
// the stale sweep and the registry helpers (§4.13).
#include "neuromesh/runtime/dendrite.h"

#include "dendrite_impl.h"
#include "json_util.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/protocol/type_sets.h"
#include "neuromesh/registry/registry_store.h"
#include "neuromesh/runtime/errors.h"
#include "neuromesh/synapse/memory_synapse.h"
#include "pathway_access.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace neuromesh::runtime {

namespace asio = boost::asio;
namespace json = boost::json;
using protocol::signal;
using protocol::signal_type;

runtime::role parse_role(std::string_view s) {
  if (s == "orchestrator") return role::orchestrator;
  if (s == "worker") return role::worker;
  throw usage_error("role must be 'orchestrator' or 'worker', got '" + std::string(s) + "'");
}

namespace {

std::chrono::milliseconds default_stale(const dendrite_options& o) {
  if (o.stale_after) return *o.stale_after;
  return o.heartbeat.count() > 0 ? 3 * o.heartbeat : std::chrono::milliseconds(0);
}

/// Completion handler of spawned work: logs what escaped.
struct log_failure {
  const char* what;
  void operator()(const std::exception_ptr& e) const {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("dendrite: {} failed: {}", what, ex.what());
    }
  }
};

asio::awaitable<void> heartbeat_loop(std::shared_ptr<dendrite::impl> p,
                                     std::shared_ptr<asio::steady_timer> timer) {
  while (p->running) {
    timer->expires_after(p->o.heartbeat);
    auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || !p->running) co_return;
    auto axons = p->axons;  // a hook may detach
    for (const auto& a : axons) {
      if (p->o.reregister_on_heartbeat) {
        auto reg = make_register(*a);
        p->remember_own(reg.id);
        co_await p->publish(std::move(reg));
      }
      auto hb = protocol::heartbeat_signal(a->neuron_id());
      p->remember_own(hb.id);
      co_await p->publish(std::move(hb));
      if (p->store) {
        auto* store = p->store;
        auto id = a->neuron_id();
        auto ts = p->now();
        std::function<registry::store_result<void>()> call = [store, id, ts] {
          return store->touch_heartbeat(id, ts);
        };
        auto r = co_await p->store_call(std::move(call));
        if (!r) p->store_call_failed("touch_heartbeat", r.error().message);
        if (!p->running) co_return;
      }
      a->fire_refresh({"heartbeat", a->neuron_id()});
    }
    if (p->self) co_await p->async_sweep_stale();
    p->fire_refresh({"heartbeat", {}});
  }
}

asio::awaitable<void> schedule_loop(std::shared_ptr<dendrite::impl> p,
                                    std::shared_ptr<asio::steady_timer> timer, std::size_t i) {
  while (p->running) {
    timer->expires_after(p->schedules[i].every);
    auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || !p->running || !p->self) co_return;
    try {
      p->schedules[i].fn(*p->self);
    } catch (const std::exception& ex) {
      ++p->st.handler_errors;
      spdlog::warn("dendrite {}: on_schedule hook threw: {}", p->o.dendrite_id, ex.what());
    }
  }
}

asio::awaitable<void> subscribe_later(std::shared_ptr<dendrite::impl> p, signal_type t) {
  if (t == signal_type::task)
    co_await p->ensure_task_subscriptions();
  else
    co_await p->ensure_type(t);
}

/// What the destructor of a running dendrite leaves behind: the DEREGISTERs.
asio::awaitable<void> final_deregisters(std::shared_ptr<dendrite::impl> p,
                                        std::vector<std::shared_ptr<axon>> axons) {
  for (auto& a : axons) co_await p->deregister_axon(a, {});
}

}  // namespace

signal make_register(const axon& a) {
  return protocol::register_signal(
      {.id = a.neuron_id(),
       .kind = a.neuron_kind(),
       .capabilities = a.capabilities(),
       .role = "neuron",
       .version = a.version()},
      a.catch_all() ? protocol::raw_object::from_canonical(R"({"catch_all":true})")
                    : protocol::raw_object{});
}

// ---- impl helpers -------------------------------------------------------------------------

dendrite::impl::impl(asio::any_io_executor e, synapse::synapse& b, registry::registry_store* s,
                     dendrite_options opts)
    : ex(std::move(e)),
      bus(b),
      memory_bus(dynamic_cast<synapse::memory_synapse*>(&b)),
      store(s),
      o(std::move(opts)),
      pool(o.blocking_threads),
      sweeper(default_stale(o)),
      deadlines(std::make_shared<detail::deadline_queue>(ex)) {
  for (std::size_t i = 0; i < type_count; ++i)
    subjects[i] = protocol::subject_for(o.ns, static_cast<signal_type>(i));
  routed_subject = subjects[idx(signal_type::task)] + ".routed";
}

void dendrite::impl::spawn(asio::awaitable<void> a, const char* what) {
  asio::co_spawn(ex, std::move(a), log_failure{what});
}

void dendrite::impl::remember_own(const protocol::event_id& id) {
  own_ids.insert(id.str());
  own_order.push_back(id.str());
  while (own_order.size() > 4096) {
    own_ids.erase(own_order.front());
    own_order.pop_front();
  }
}

const std::string& dendrite::impl::subject_of(const signal& s) const {
  if (s.type == signal_type::task) {
    bool addressed = s.directed && s.directed->id && !s.directed->id->empty();
    if (!addressed && s.payload.truthy("capabilities")) return routed_subject;
  }
  return subjects[idx(s.type)];
}

namespace {

bool publish_failed(dendrite::impl& p, const boost::system::error_code& ec) {
  ++p.st.publish_errors;
  spdlog::warn("dendrite {}: publish failed: {}", p.o.dendrite_id, ec.message());
  return false;
}

}  // namespace

bool dendrite::impl::publish_now(signal&& s) {
  const std::string& subject = subject_of(s);  // before s is moved from
  if (auto ec = memory_bus->publish(subject, std::move(s))) return publish_failed(*this, ec);
  return true;
}

asio::awaitable<boost::system::error_code> dendrite::impl::send(signal&& s) {
  std::string subject = subject_of(s);
  return bus.async_publish(std::move(subject), std::move(s));
}

bool dendrite::impl::sent(const boost::system::error_code& ec) {
  return !ec || publish_failed(*this, ec);
}

asio::awaitable<bool> dendrite::impl::publish(signal s) {
  if (memory_bus) co_return publish_now(std::move(s));
  auto sending = send(std::move(s));
  auto ec = co_await std::move(sending);
  co_return sent(ec);
}

asio::awaitable<void> dendrite::impl::ensure_type(signal_type t) {
  auto i = idx(t);
  if (subs[i] || subscribing[i]) co_return;
  subscribing[i] = true;
  // Operands built first: GCC 12 mishandles temporaries in co_await operands.
  auto subject = protocol::subject_for(o.ns, t);
  auto h = make_handler(false);
  std::optional<std::string> no_group;
  auto r = co_await bus.async_subscribe(std::move(subject), std::move(h), std::move(no_group));
  subscribing[i] = false;
  if (!r) {
    spdlog::error("dendrite {}: subscribe {} failed: {}", o.dendrite_id, protocol::to_string(t),
                  r.error().message());
    co_return;
  }
  subs[i] = *r;
}

asio::awaitable<void> dendrite::impl::ensure_task_subscriptions() {
  if (!task_sub) {
    auto subject = protocol::subject_for(o.ns, signal_type::task);
    auto h = make_handler(true);
    std::optional<std::string> no_group;
    auto r = co_await bus.async_subscribe(std::move(subject), std::move(h), std::move(no_group));
    if (r)
      task_sub = *r;
    else
      spdlog::error("dendrite {}: subscribe TASK failed: {}", o.dendrite_id, r.error().message());
  }
  // The routed subscription is keyed by the aggregate caps: re-key it when they change.
  std::vector<std::string> caps;
  for (const auto& a : axons)
    caps.insert(caps.end(), a->capabilities().begin(), a->capabilities().end());
  caps = detail::sorted_unique(std::move(caps));
  auto group = caps.empty() ? std::string() : protocol::queue_group_for(caps);
  if (group == routed_group && (routed_sub || group.empty())) co_return;
  if (routed_sub) routed_sub->unsubscribe();
  routed_sub.reset();
  routed_group = group;
  if (group.empty()) co_return;
  auto subject = routed_subject;
  auto h = make_handler(true);
  std::optional<std::string> queue = group;
  auto r = co_await bus.async_subscribe(std::move(subject), std::move(h), std::move(queue));
  if (r)
    routed_sub = *r;
  else
    spdlog::error("dendrite {}: subscribe TASK.routed failed: {}", o.dendrite_id,
                  r.error().message());
}

bool dendrite::impl::is_pathway_subscribed() {
  if (pathway_subscribed) return true;  // checked on every dispatch: remembered
  for (auto t : protocol::pathway_types())
    if (!subs[idx(t)]) return false;
  pathway_subscribed = true;
  return true;
}

asio::awaitable<void> dendrite::impl::ensure_pathway_types() {
  if (is_pathway_subscribed()) co_return;
  for (auto t : protocol::pathway_types()) co_await ensure_type(t);
}

asio::awaitable<void> dendrite::impl::register_axon(std::shared_ptr<axon> a) {
  if (store) {
    registry::neuron_record r;
    r.neuron_id = a->neuron_id();
    r.capabilities = a->capabilities();
    if (!a->version().empty()) r.version = a->version();
    r.last_heartbeat = now();
    auto* s = store;
    std::function<registry::store_result<void>()> call = [s, r] { return s->upsert(r); };
    auto res = co_await store_call(std::move(call));
    if (!res) store_call_failed("upsert", res.error().message);
  }
  auto reg = make_register(*a);
  remember_own(reg.id);
  co_await publish(std::move(reg));
  a->fire_connect();
}

asio::awaitable<void> dendrite::impl::deregister_axon(std::shared_ptr<axon> a, std::string reason) {
  a->fire_close();
  if (store) {
    auto* s = store;
    auto id = a->neuron_id();
    std::function<registry::store_result<void>()> call = [s, id] {
      return s->mark_deregistered(id);
    };
    auto r = co_await store_call(std::move(call));
    if (!r) store_call_failed("mark_deregistered", r.error().message);
  }
  auto d = protocol::deregister_signal(a->neuron_id(), std::move(reason));
  remember_own(d.id);
  co_await publish(std::move(d));
}

void dendrite::impl::fire_refresh(const refresh_event& e) {
  if (!self) return;
  for (auto& fn : refresh_hooks) {
    try {
      fn(*self, e);
    } catch (const std::exception& ex) {
      ++st.handler_errors;
      spdlog::warn("dendrite {}: on_refresh hook threw: {}", o.dendrite_id, ex.what());
    }
  }
}

void dendrite::impl::store_call_failed(const char* what, const std::string& message) {
  ++st.store_errors;
  spdlog::warn("dendrite {}: registry store {} failed: {}", o.dendrite_id, what, message);
}

void dendrite::impl::start_heartbeat() {
  if (o.heartbeat.count() <= 0 || heartbeat_timer) return;
  if (axons.empty() && !(store && sweeper.enabled())) return;
  heartbeat_timer = std::make_shared<asio::steady_timer>(ex);
  spawn(heartbeat_loop(shared_from_this(), heartbeat_timer), "heartbeat loop");
}

void dendrite::impl::start_schedules() {
  for (std::size_t i = 0; i < schedules.size(); ++i) {
    auto t = std::make_shared<asio::steady_timer>(ex);
    schedule_timers.push_back(t);
    spawn(schedule_loop(shared_from_this(), t, i), "schedule loop");
  }
}

void dendrite::impl::cancel_timers() {
  deadlines->keep_armed(false);  // idle once the last timed wait is over
  if (heartbeat_timer) heartbeat_timer->cancel();
  heartbeat_timer.reset();
  for (auto& t : schedule_timers) t->cancel();
  schedule_timers.clear();
}

void dendrite::impl::unsubscribe_all() {
  if (task_sub) task_sub->unsubscribe();
  if (routed_sub) routed_sub->unsubscribe();
  task_sub.reset();
  routed_sub.reset();
  routed_group.clear();
  pathway_subscribed = false;
  for (auto& s : subs) {
    if (s) s->unsubscribe();
    s.reset();
  }
}

void dendrite::impl::close_all_pathways() {
  auto traces = std::move(pathways);
  pathways.clear();
  for (auto& [k, pw] : traces) pw->close();
  for (auto* m : {&ops, &collectors}) {
    auto copy = std::move(*m);
    m->clear();
    for (auto& [k, pw] : copy) pw->close();
  }
}

std::size_t dendrite::impl::cancel_tasks(const std::string& trace) {
  // Collected first: emitting runs cancellation handlers.
  std::vector<task_rec*> hit;
  for (auto& r : tasks)
    if (r.tracked && r.task().trace_id.str() == trace) hit.push_back(&r);
  std::size_t n = 0;
  for (auto* r : hit) {
    r->tracked = false;  // a second STOP for the trace counts nothing
    if (r->cancelled) continue;
    r->cancelled = true;
    ++n;
    ++st.tasks_cancelled;
    r->cancel.emit(asio::cancellation_type::terminal);
  }
  return n;
}

void dendrite::impl::cancel_all_tasks() {
  std::vector<task_rec*> hit;
  for (auto& r : tasks)
    if (!r.cancelled) hit.push_back(&r);
  for (auto* r : hit) {
    r->cancelled = true;
    r->tracked = false;
    ++st.tasks_cancelled;
    r->cancel.emit(asio::cancellation_type::terminal);
  }
}

void dendrite::impl::untrack_tasks(std::string_view trace) {
  for (auto& r : tasks)
    if (r.task().trace_id.str() == trace) r.tracked = false;
}

namespace {

/// Forgets a Pathway when it closes (the entry's key views the Pathway's trace). The map's
/// node is kept for the next Pathway (no allocation per dispatch).
void forget_pathway(const std::shared_ptr<void>& owner, const pathway& pw) {
  auto& p = *static_cast<dendrite::impl*>(owner.get());
  auto it = p.pathways.find(pw.trace().str());
  if (it == p.pathways.end() || it->second.get() != &pw) return;
  auto node = p.pathways.extract(it);
  node.mapped().reset();  // may drop the last reference to pw (close() expects that)
  if (p.spare_pathway_nodes.size() < dendrite::impl::max_spare_nodes)
    p.spare_pathway_nodes.push_back(std::move(node));
}

}  // namespace

void dendrite::impl::open_pathway(const std::shared_ptr<pathway>& pw) {
  std::string_view key = pw->trace().str();
  auto it = pathways.find(key);
  if (it != pathways.end() && it->second != pw) {
    auto old = it->second;
    pathways.erase(it);
    old->close();
    it = pathways.end();
  }
  if (it == pathways.end()) {
    if (spare_pathway_nodes.empty()) {
      pathways.emplace(key, pw);
    } else {
      auto node = std::move(spare_pathway_nodes.back());
      spare_pathway_nodes.pop_back();
      node.key() = key;
      node.mapped() = pw;
      pathways.insert(std::move(node));
    }
  }
  detail::pathway_access::use_deadlines(*pw, deadlines);
  detail::pathway_access::on_forget(*pw, weak_from_this(), &forget_pathway);
}

// ---- dendrite -----------------------------------------------------------------------------

dendrite::dendrite(asio::any_io_executor ex, synapse::synapse& bus, registry::registry_store* store,
                   dendrite_options options)
    : impl_(std::make_shared<impl>(std::move(ex), bus, store, std::move(options))) {
  impl_->self = this;
}

dendrite::~dendrite() {
  auto& p = *impl_;
  p.self = nullptr;
  bool was_running = p.running;
  if (was_running) {
    p.running = false;
    p.close_all_pathways();
    p.cancel_timers();
    p.unsubscribe_all();
    p.cancel_all_tasks();
  }
  // The store may be destroyed right after us while calls are still queued on the pool:
  // wait for the one running now, record our axons' DEREGISTER, and let no later call in.
  if (p.store) {
    std::lock_guard lock(p.store_lock->mu);
    if (was_running)
      for (const auto& a : p.axons)
        if (auto r = p.store->mark_deregistered(a->neuron_id()); !r)
          p.store_call_failed("mark_deregistered", r.error().message);
    p.store_lock->gone = true;
    p.store = nullptr;
  }
  if (!was_running) return;
  if (!p.axons.empty()) p.spawn(final_deregisters(impl_, p.axons), "final DEREGISTER");
  p.abandon_engrams();
}

const dendrite_options& dendrite::options() const noexcept { return impl_->o; }
bool dendrite::running() const noexcept { return impl_->running; }
dendrite_stats dendrite::stats() const noexcept { return impl_->st; }
std::size_t dendrite::open_pathways() const noexcept {
  return impl_->pathways.size() + impl_->ops.size() + impl_->collectors.size();
}
std::size_t dendrite::in_flight() const noexcept { return impl_->in_flight; }
asio::any_io_executor dendrite::get_executor() const noexcept { return impl_->ex; }
asio::any_io_executor dendrite::blocking_executor() { return impl_->pool.executor(); }
std::vector<std::shared_ptr<axon>> dendrite::axons() const { return impl_->axons; }

std::vector<std::string> dendrite::capabilities() const {
  std::vector<std::string> caps;
  for (const auto& a : impl_->axons)
    caps.insert(caps.end(), a->capabilities().begin(), a->capabilities().end());
  return detail::sorted_unique(std::move(caps));
}

std::shared_ptr<axon> dendrite::find_axon(std::string_view neuron_id) const {
  for (const auto& a : impl_->axons)
    if (a->neuron_id() == neuron_id) return a;
  return nullptr;
}

axon& dendrite::attach(axon a) {
  if (impl_->running)
    throw state_error("attach: dendrite '" + impl_->o.dendrite_id + "' is running; use async_add");
  if (find_axon(a.neuron_id()))
    throw usage_error("attach: neuron '" + a.neuron_id() + "' is already attached");
  impl_->axons.push_back(std::make_shared<axon>(std::move(a)));
  return *impl_->axons.back();
}

asio::awaitable<axon*> dendrite::async_add(axon a) {
  if (find_axon(a.neuron_id()))
    throw usage_error("add: neuron '" + a.neuron_id() + "' is already attached");
  auto p = impl_;
  p->axons.push_back(std::make_shared<axon>(std::move(a)));
  auto added = p->axons.back();
  if (p->running) {
    co_await p->ensure_task_subscriptions();
    co_await p->ensure_type(signal_type::task_awarded);
    co_await p->ensure_type(signal_type::discover);
    co_await p->ensure_type(signal_type::stop);
    if (p->o.auto_bid) co_await p->ensure_type(signal_type::task_offer);
    co_await p->start_engrams();  // the caller, when this Axon is the first with bindings
    co_await p->register_axon(added);
    p->start_heartbeat();
  }
  co_return added.get();
}

asio::awaitable<void> dendrite::async_detach(std::string neuron_id, std::string reason) {
  auto p = impl_;
  auto it = std::find_if(p->axons.begin(), p->axons.end(),
                         [&](const auto& a) { return a->neuron_id() == neuron_id; });
  if (it == p->axons.end())
    throw unknown_neuron("detach: neuron '" + neuron_id + "' is not attached");
  auto a = *it;
  p->axons.erase(it);
  if (!p->running) co_return;
  co_await p->deregister_axon(a, std::move(reason));
  if (p->axons.empty()) {
    if (p->task_sub) p->task_sub->unsubscribe();
    if (p->routed_sub) p->routed_sub->unsubscribe();
    p->task_sub.reset();
    p->routed_sub.reset();
    p->routed_group.clear();
  } else {
    co_await p->ensure_task_subscriptions();
  }
}

void dendrite::on(signal_type t, handler_filter filter, signal_handler h) {
  auto p = impl_;
  p->handlers[impl::idx(t)].push_back({std::move(filter), std::move(h)});
  if (p->running) p->spawn(subscribe_later(p, t), "subscribe");
}

void dendrite::on_trace(protocol::trace_id trace, signal_handler h, std::vector<signal_type> types,
                        handler_filter filter) {
  if (types.empty()) {
    auto d = protocol::on_trace_default_types();
    types.assign(d.begin(), d.end());
  }
  filter.trace_id = trace.str();
  for (auto t : types) on(t, filter, h);
}

void dendrite::on_discover(signal_handler h) {
  impl_->discover_handlers.push_back(std::move(h));
  if (impl_->running) impl_->spawn(subscribe_later(impl_, signal_type::discover), "subscribe");
}

asio::awaitable<void> dendrite::async_ensure_subscribed(std::vector<signal_type> types) {
  auto p = impl_;
  for (auto t : types) co_await subscribe_later(p, t);
}

void dendrite::on_connect(std::function<void(dendrite&)> fn) {
  impl_->connect_hooks.push_back(std::move(fn));
}
void dendrite::on_refresh(std::function<void(dendrite&, const refresh_event&)> fn) {
  impl_->refresh_hooks.push_back(std::move(fn));
}
void dendrite::on_schedule(std::chrono::milliseconds every, std::function<void(dendrite&)> fn) {
  if (every.count() <= 0) throw usage_error("on_schedule: every must be > 0");
  impl_->schedules.push_back({every, std::move(fn)});
}
void dendrite::on_rollback(std::function<std::int64_t(const protocol::trace_id&, bool)> fn) {
  impl_->rollback = std::move(fn);
}
void dendrite::refresh(std::string reason) { impl_->fire_refresh({std::move(reason), {}}); }

asio::awaitable<boost::system::error_code> dendrite::async_start() {
  auto p = impl_;
  if (p->running) co_return boost::system::error_code{};
  // 1. connect
  if (auto ec = co_await p->bus.async_connect()) co_return ec;
  if (p->store) {
    auto* store = p->store;
    std::function<registry::store_result<void>()> call = [store] { return store->connect(); };
    auto r = co_await p->store_call(std::move(call));
    if (!r) p->store_call_failed("connect", r.error().message);
  }
  // Engrams / Effectors hosted here, and the caller of the Axons' bindings (before TASKs).
  co_await p->start_engrams();
  // 2. hosting subscriptions, then REGISTER per Axon
  if (!p->axons.empty()) {
    co_await p->ensure_task_subscriptions();
    co_await p->ensure_type(signal_type::task_awarded);
    co_await p->ensure_type(signal_type::discover);
    if (p->o.auto_bid) co_await p->ensure_type(signal_type::task_offer);
    auto axons = p->axons;
    for (auto& a : axons) co_await p->register_axon(a);
  }
  // 5. decisions for the await_decision cache
  co_await p->ensure_type(signal_type::clarification_answer);
  co_await p->ensure_type(signal_type::permission_decision);
  // 6. user handler types
  for (std::size_t i = 0; i < impl::type_count; ++i) {
    if (p->handlers[i].empty()) continue;
    co_await subscribe_later(p, static_cast<signal_type>(i));
  }
  if (!p->discover_handlers.empty()) co_await p->ensure_type(signal_type::discover);
  // 7. registry mirroring
  if (p->store) {
    co_await p->ensure_type(signal_type::register_);
    co_await p->ensure_type(signal_type::deregister);
    co_await p->ensure_type(signal_type::heartbeat);
  }
  // 8. STOP
  co_await p->ensure_type(signal_type::stop);
  // 9. running, heartbeats
  p->running = true;
  p->started_once = true;
  p->deadlines->keep_armed(true);
  p->start_heartbeat();
  // 10. DISCOVER for a fresh registry view
  if (p->store) co_await p->publish(protocol::discover_signal());
  // 11. schedules, connect hooks
  p->start_schedules();
  if (p->self) {
    for (auto& fn : p->connect_hooks) {
      try {
        fn(*p->self);
      } catch (const std::exception& ex) {
        ++p->st.handler_errors;
        spdlog::warn("dendrite {}: on_connect hook threw: {}", p->o.dendrite_id, ex.what());
      }
    }
  }
  co_return boost::system::error_code{};
}

asio::awaitable<void> dendrite::async_stop(std::string reason) {
  auto p = impl_;
  p->close_all_pathways();
  if (!p->running) co_return;
  p->running = false;
  co_await p->stop_caller();  // waiting binding calls wake with cancelled
  p->cancel_timers();
  p->unsubscribe_all();
  // Drain: let running Neurons finish for up to drain_timeout, then cancel them.
  if (p->in_flight > 0) {
    p->drain_timer = std::make_unique<asio::steady_timer>(p->ex, p->o.drain_timeout);
    co_await p->drain_timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (p->in_flight > 0) {
      spdlog::warn("dendrite {}: cancelling {} neuron call(s) still running after {} ms",
                   p->o.dendrite_id, p->in_flight, p->o.drain_timeout.count());
      p->cancel_all_tasks();
      p->drain_timer->expires_after(std::chrono::seconds(1));
      co_await p->drain_timer->async_wait(asio::as_tuple(asio::use_awaitable));
    }
    p->drain_timer.reset();
  }
  auto axons = p->axons;
  for (auto& a : axons) co_await p->deregister_axon(a, reason);
  co_await p->stop_hosting();
  // Mirroring writes already accepted are finished before stop returns: the caller may
  // destroy the store next.
  co_await p->drain_store_calls();
}

asio::awaitable<void> dendrite::impl::drain_store_calls() {
  if (!store) co_return;
  for (;;) {
    // The pool's strand runs calls in order: once this one ran, every earlier one has.
    std::function<registry::store_result<void>()> barrier = [] {
      return registry::store_result<void>{};
    };
    co_await store_call(std::move(barrier));
    if (mirror_pending == 0) co_return;
    co_await asio::post(ex, asio::use_awaitable);  // a mirror call spawned but not yet queued
  }
}

// ---- registry -------------------------------------------------------------------------------

namespace {

registry::list_options list_options_for(std::optional<std::string> capability,
                                        bool include_deregistered) {
  registry::list_options lo;
  lo.capability = std::move(capability);
  lo.include_deregistered = include_deregistered;
  return lo;
}

std::vector<registry::neuron_record> snapshot_of(
    dendrite::impl& p, registry::store_result<std::vector<registry::neuron_record>> r,
    std::optional<std::chrono::milliseconds> max_age) {
  if (!r) {
    p.store_call_failed("list", r.error().message);
    return {};
  }
  auto out = std::move(*r);
  if (max_age) {
    auto now = p.now();
    std::erase_if(out, [&](const registry::neuron_record& rec) {
      auto seen = rec.last_heartbeat.value_or(rec.registered_at);
      return now - seen > *max_age;
    });
  }
  return out;
}

void require_store(const dendrite::impl& p) {
  if (!p.store) throw state_error("registry helpers need a registry_store");
}

}  // namespace

std::vector<registry::neuron_record> dendrite::registry_snapshot(
    std::optional<std::string> capability, bool include_deregistered,
    std::optional<std::chrono::milliseconds> max_age) {
  auto& p = *impl_;
  require_store(p);
  auto r = p.store->list(list_options_for(std::move(capability), include_deregistered));
  return snapshot_of(p, std::move(r), max_age);
}

std::vector<registry::neuron_record> dendrite::find_neurons(
    std::optional<std::string> capability, std::optional<std::chrono::milliseconds> max_age) {
  return registry_snapshot(std::move(capability), false, max_age);
}

asio::awaitable<std::vector<registry::neuron_record>> dendrite::async_registry_snapshot(
    std::optional<std::string> capability, bool include_deregistered,
    std::optional<std::chrono::milliseconds> max_age) {
  auto p = impl_;
  require_store(*p);
  std::function<registry::store_result<std::vector<registry::neuron_record>>()> list =
      [s = p->store, lo = list_options_for(std::move(capability), include_deregistered)] {
        return s->list(lo);
      };
  auto r = co_await p->store_call(std::move(list));
  co_return snapshot_of(*p, std::move(r), max_age);
}

asio::awaitable<std::vector<registry::neuron_record>> dendrite::async_find_neurons(
    std::optional<std::string> capability, std::optional<std::chrono::milliseconds> max_age) {
  co_return co_await async_registry_snapshot(std::move(capability), false, max_age);
}

asio::awaitable<std::vector<std::string>> dendrite::impl::async_sweep_stale() {
  if (!store || !sweeper.enabled()) co_return std::vector<std::string>{};
  auto self = shared_from_this();  // the caller need not hold us
  auto* s = store;
  std::function<registry::store_result<std::vector<registry::neuron_record>>()> list = [s] {
    return s->list({});
  };
  auto r = co_await store_call(std::move(list));
  if (!r) {
    store_call_failed("list", r.error().message);
    co_return std::vector<std::string>{};
  }
  auto due = sweeper.due(*r, now());
  for (const auto& id : due) {
    std::function<registry::store_result<void>()> mark = [s, id] {
      return s->mark_deregistered(id);
    };
    auto m = co_await store_call(std::move(mark));
    if (!m) {
      store_call_failed("mark_deregistered", m.error().message);
      continue;
    }
    ++st.stale_swept;
    spdlog::info("dendrite {}: neuron '{}' is stale; marked deregistered", o.dendrite_id, id);
    fire_refresh({"stale", id});
  }
  co_return due;
}

asio::awaitable<std::vector<std::string>> dendrite::async_sweep_stale() {
  auto p = impl_;
  co_return co_await p->async_sweep_stale();
}

std::vector<std::string> dendrite::sweep_stale() {
  auto& p = *impl_;
  if (!p.store || !p.sweeper.enabled()) return {};
  auto r = p.store->list({});
  if (!r) {
    p.store_call_failed("list", r.error().message);
    return {};
  }
  auto due = p.sweeper.due(*r, p.now());
  for (const auto& id : due) {
    if (auto m = p.store->mark_deregistered(id); !m) {
      p.store_call_failed("mark_deregistered", m.error().message);
      continue;
    }
    ++p.st.stale_swept;
    spdlog::info("dendrite {}: neuron '{}' is stale; marked deregistered", p.o.dendrite_id, id);
    p.fire_refresh({"stale", id});
  }
  return due;
}

}  // namespace neuromesh::runtime
