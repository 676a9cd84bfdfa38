#include "neuromesh/synapse/memory_synapse.h"

#include "delivery.h"
#include "neuromesh/synapse/errc.h"
#include "subject_index.h"

#include <boost/asio/this_coro.hpp>

#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace neuromesh::synapse {

namespace asio = boost::asio;
using detail::subscriber;

struct memory_synapse::impl {
  std::mutex mu;  // guards everything below; never held while a handler runs
  bool connected = false;
  bool closed = false;
  // By key = subscription order; index entries point at these shared_ptrs (map nodes are
  // stable).
  std::map<std::uint64_t, std::shared_ptr<subscriber>> subs;
  std::uint64_t next_key = 1;
  detail::subject_index index;
  std::unordered_map<std::string, std::uint32_t> group_ids;          // interned queue-group names
  std::vector<std::uint64_t> rr = std::vector<std::uint64_t>(1, 0);  // by group id
  std::shared_ptr<detail::stats_counters> stats = std::make_shared<detail::stats_counters>();

  void remove(std::uint64_t key) {
    std::lock_guard lock(mu);
    auto it = subs.find(key);
    if (it == subs.end()) return;
    index.erase(it->second->pattern, key);
    subs.erase(it);
  }
  static const std::shared_ptr<subscriber>& target(const detail::subject_index::entry& e) {
    return *static_cast<const std::shared_ptr<subscriber>*>(e.data);
  }
};

memory_synapse::memory_synapse() : impl_(std::make_shared<impl>()) {}
memory_synapse::~memory_synapse() = default;

asio::awaitable<boost::system::error_code> memory_synapse::async_connect() {
  std::lock_guard lock(impl_->mu);
  if (impl_->closed) co_return make_error_code(errc::closed);
  impl_->connected = true;
  co_return boost::system::error_code{};
}

asio::awaitable<void> memory_synapse::async_close() {
  std::map<std::uint64_t, std::shared_ptr<subscriber>> subs;
  {
    std::lock_guard lock(impl_->mu);
    impl_->closed = true;
    impl_->connected = false;
    for (const auto& [key, s] : impl_->subs) impl_->index.erase(s->pattern, key);
    subs.swap(impl_->subs);
  }
  for (auto& [key, s] : subs) s->live = false;
  co_return;
}

boost::system::error_code memory_synapse::publish(const std::string& subject, protocol::signal s) {
  // Few targets per Signal: a small reusable buffer avoids an allocation per publish.
  thread_local std::vector<std::shared_ptr<subscriber>> targets;
  targets.clear();
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->closed) return errc::closed;
    if (!impl_->connected) return errc::not_connected;
    const auto& found = impl_->index.match(subject);
    for (const auto& e : found.solo) targets.push_back(impl::target(e));
    for (const auto& g : found.groups) {
      auto& counter = impl_->rr[g.group];
      targets.push_back(impl::target(g.members[counter++ % g.members.size()]));
    }
  }
  impl_->stats->published.fetch_add(1, std::memory_order_relaxed);
  if (targets.empty()) return {};
  auto shared = std::make_shared<protocol::signal>(std::move(s));
  // Handlers may publish (re-entering this function): deliver from a private copy.
  auto batch = std::move(targets);
  targets = {};
  for (auto& t : batch) detail::deliver(std::move(t), shared);
  batch.clear();
  if (targets.capacity() < batch.capacity()) targets.swap(batch);
  return {};
}

asio::awaitable<boost::system::error_code> memory_synapse::async_publish(std::string subject,
                                                                         protocol::signal s) {
  co_return publish(subject, std::move(s));
}

asio::awaitable<boost::system::result<subscription>> memory_synapse::async_subscribe(
    std::string subject, handler h, std::optional<std::string> queue_group) {
  auto ex = co_await asio::this_coro::executor;
  auto sub = std::make_shared<subscriber>(std::move(subject), std::move(queue_group), std::move(h),
                                          ex, impl_->stats);
  std::lock_guard lock(impl_->mu);
  if (impl_->closed) co_return make_error_code(errc::closed);
  if (!impl_->connected) co_return make_error_code(errc::not_connected);
  std::uint64_t key = impl_->next_key++;
  std::weak_ptr<impl> owner = impl_;
  sub->on_unsubscribe = [owner, key] {
    if (auto o = owner.lock()) o->remove(key);
  };
  std::uint32_t group = 0;
  if (sub->group) {
    auto [g, added] =
        impl_->group_ids.try_emplace(*sub->group, static_cast<std::uint32_t>(impl_->rr.size()));
    if (added) impl_->rr.push_back(0);
    group = g->second;
  }
  auto& stored = impl_->subs.emplace(key, sub).first->second;
  impl_->index.insert(sub->pattern, {key, group, &stored});
  co_return subscription(std::move(sub));
}

synapse_stats memory_synapse::stats() const noexcept { return impl_->stats->snapshot(); }

std::string memory_synapse::new_inbox(const protocol::signal& request) {
  return "_INBOX." + request.id.str();
}

}  // namespace neuromesh::synapse
