#include "neuromesh/synapse/memory_synapse.h"

#include "delivery.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/synapse/errc.h"

#include <boost/asio/this_coro.hpp>

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
  std::vector<std::shared_ptr<subscriber>> subs;  // subscription order
  std::unordered_map<std::string, std::uint64_t> rr;
  std::shared_ptr<detail::stats_counters> stats = std::make_shared<detail::stats_counters>();

  void remove(const subscriber* s) {
    std::lock_guard lock(mu);
    std::erase_if(subs, [s](const auto& x) { return x.get() == s; });
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
  std::vector<std::shared_ptr<subscriber>> subs;
  {
    std::lock_guard lock(impl_->mu);
    impl_->closed = true;
    impl_->connected = false;
    subs.swap(impl_->subs);
  }
  for (auto& s : subs) s->live = false;
  co_return;
}

boost::system::error_code memory_synapse::publish(const std::string& subject, protocol::signal s) {
  // Few targets per Signal: a small reusable buffer avoids an allocation per publish.
  thread_local std::vector<std::shared_ptr<subscriber>> targets;
  thread_local std::vector<std::pair<const std::string*, std::vector<subscriber*>>> groups;
  targets.clear();
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->closed) return errc::closed;
    if (!impl_->connected) return errc::not_connected;
    std::size_t group_count = 0;
    for (auto& g : groups) g.second.clear();
    for (const auto& sub : impl_->subs) {
      if (!protocol::subject_matches(sub->pattern, subject)) continue;
      if (!sub->group) {
        targets.push_back(sub);
        continue;
      }
      std::size_t i = 0;
      while (i < group_count && *groups[i].first != *sub->group) ++i;
      if (i == group_count) {
        if (group_count == groups.size()) groups.emplace_back();
        groups[group_count++].first = &*sub->group;
      }
      groups[i].second.push_back(sub.get());
    }
    for (std::size_t i = 0; i < group_count; ++i) {
      auto& members = groups[i].second;
      auto& counter = impl_->rr[*groups[i].first];
      auto* chosen = members[counter++ % members.size()];
      for (const auto& sub : impl_->subs)
        if (sub.get() == chosen) targets.push_back(sub);
    }
  }
  impl_->stats->published.fetch_add(1, std::memory_order_relaxed);
  if (targets.empty()) return {};
  auto shared = std::make_shared<const protocol::signal>(std::move(s));
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
  std::weak_ptr<impl> owner = impl_;
  sub->on_unsubscribe = [owner, raw = sub.get()] {
    if (auto o = owner.lock()) o->remove(raw);
  };
  std::lock_guard lock(impl_->mu);
  if (impl_->closed) co_return make_error_code(errc::closed);
  if (!impl_->connected) co_return make_error_code(errc::not_connected);
  impl_->subs.push_back(sub);
  co_return subscription(std::move(sub));
}

synapse_stats memory_synapse::stats() const noexcept { return impl_->stats->snapshot(); }

std::string memory_synapse::new_inbox(const protocol::signal& request) {
  return "_INBOX." + request.id.str();
}

}  // namespace neuromesh::synapse
