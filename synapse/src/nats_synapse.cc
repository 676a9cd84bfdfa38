#include "neuromesh/synapse/nats_synapse.h"

#include "delivery.h"
#include "neuromesh/protocol/codec.h"
#include "neuromesh/synapse/errc.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nats/nats.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace neuromesh::synapse {

namespace asio = boost::asio;
using detail::subscriber;

namespace {

// What libnats' callback gets as its closure. Owned by impl::subs until unsubscribe; then
// by libnats' completion callback, which frees it after the last message was dispatched.
struct nats_sub {
  std::shared_ptr<subscriber> sub;
  natsSubscription* handle = nullptr;
};

// Messages libnats dropped for this subscription (slow consumer), into stats().dropped.
void count_dropped(natsSubscription* handle, detail::stats_counters& stats) {
  int64_t n = 0;
  if (natsSubscription_GetDropped(handle, &n) == NATS_OK && n > 0)
    stats.dropped.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
}

void free_nats_sub(void* closure) { delete static_cast<nats_sub*>(closure); }

std::string nats_error(natsStatus s) {
  std::string text = natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (detail && *detail) text += std::string(" (") + detail + ")";
  return text;
}

boost::system::error_code map_status(natsStatus s) {
  if (s == NATS_OK) return {};
  if (s == NATS_CONNECTION_CLOSED) return make_error_code(errc::closed);
  if (s == NATS_CONNECTION_DISCONNECTED) return make_error_code(errc::not_connected);
  return make_error_code(errc::backend_error);
}

}  // namespace

struct nats_synapse::impl {
  explicit impl(nats_options o) : opts(std::move(o)) {}
  ~impl() { destroy(); }

  nats_options opts;
  std::mutex mu;  // guards conn, closed and subs; never held while a handler runs
  natsConnection* conn = nullptr;
  natsOptions* nopts = nullptr;
  bool closed = false;
  std::vector<std::unique_ptr<nats_sub>> subs;
  std::shared_ptr<detail::stats_counters> stats = std::make_shared<detail::stats_counters>();

  void destroy() {
    std::lock_guard lock(mu);
    if (conn) {
      natsConnection_Close(conn);
      natsConnection_Destroy(conn);  // no callback runs after this returns
      conn = nullptr;
    }
    for (auto& s : subs) {
      count_dropped(s->handle, *stats);
      natsSubscription_Destroy(s->handle);
    }
    subs.clear();
    if (nopts) natsOptions_Destroy(nopts);
    nopts = nullptr;
  }

  // libnats' asynchronous errors; a slow consumer means libnats dropped messages of that
  // subscription (counted into stats().dropped when it is destroyed).
  static void on_error(natsConnection*, natsSubscription* sub, natsStatus err, void*) {
    int64_t dropped = 0;
    if (sub != nullptr) natsSubscription_GetDropped(sub, &dropped);
    spdlog::warn("nats: {} ({} messages dropped so far on that subscription)",
                 natsStatus_GetText(err), dropped);
  }

  static void on_reconnected(natsConnection*, void* closure) {
    static_cast<impl*>(closure)->stats->reconnects.fetch_add(1, std::memory_order_relaxed);
  }

  // On a libnats delivery thread: decode here, run the handler on its executor.
  static void on_msg(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* ns = static_cast<nats_sub*>(closure);
    std::string_view data(natsMsg_GetData(msg),
                          static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    auto decoded = protocol::decode(data);
    natsMsg_Destroy(msg);
    if (!ns->sub->active()) return;
    if (!decoded) {
      ns->sub->stats->decode_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("nats: undecodable message on '{}': {}", ns->sub->pattern,
                   decoded.error().what());
      return;
    }
    auto ex = ns->sub->ex;
    asio::post(ex, detail::delivery{ns->sub,
                                    std::make_shared<const protocol::signal>(std::move(*decoded))});
  }
};

nats_synapse::nats_synapse(nats_options options)
    : impl_(std::make_shared<impl>(std::move(options))) {}

nats_synapse::~nats_synapse() = default;

std::string nats_synapse::url() const { return impl_->opts.url; }

asio::awaitable<boost::system::error_code> nats_synapse::async_connect() {
  auto& i = *impl_;
  std::lock_guard lock(i.mu);
  if (i.closed) co_return make_error_code(errc::closed);
  if (i.conn) co_return boost::system::error_code{};
  natsStatus s = natsOptions_Create(&i.nopts);
  if (s == NATS_OK) s = natsOptions_SetURL(i.nopts, i.opts.url.c_str());
  if (s == NATS_OK) s = natsOptions_SetSendAsap(i.nopts, true);
  if (s == NATS_OK) s = natsOptions_SetTimeout(i.nopts, i.opts.connect_timeout.count());
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(i.nopts, true);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(i.nopts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(i.nopts, i.opts.reconnect_wait.count());
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(i.nopts, &impl::on_reconnected, &i);
  if (s == NATS_OK) s = natsOptions_SetErrorHandler(i.nopts, &impl::on_error, nullptr);
  if (s == NATS_OK) s = natsConnection_Connect(&i.conn, i.nopts);
  if (s != NATS_OK) {
    spdlog::warn("nats: cannot connect to {}: {}", i.opts.url, nats_error(s));
    if (i.nopts) natsOptions_Destroy(i.nopts);
    i.nopts = nullptr;
    i.conn = nullptr;
    co_return make_error_code(errc::not_connected);
  }
  co_return boost::system::error_code{};
}

asio::awaitable<void> nats_synapse::async_close() {
  auto self = impl_;
  natsConnection* conn = nullptr;
  {
    std::lock_guard lock(self->mu);
    if (self->closed) co_return;
    self->closed = true;
    conn = self->conn;
    for (auto& s : self->subs) s->sub->live = false;
  }
  if (conn != nullptr) {
    // Drain: let in-flight messages finish, then libnats closes the connection.
    if (natsConnection_DrainTimeout(conn, self->opts.drain_timeout.count()) == NATS_OK) {
      asio::steady_timer t(co_await asio::this_coro::executor);
      auto until = std::chrono::steady_clock::now() + self->opts.drain_timeout +
                   std::chrono::milliseconds(500);
      while (!natsConnection_IsClosed(conn) && std::chrono::steady_clock::now() < until) {
        t.expires_after(std::chrono::milliseconds(2));
        co_await t.async_wait(asio::use_awaitable);
      }
    }
  }
  self->destroy();
}

asio::awaitable<boost::system::error_code> nats_synapse::async_publish(std::string subject,
                                                                       protocol::signal s) {
  co_return co_await async_publish_request(std::move(subject), std::string(), std::move(s));
}

asio::awaitable<boost::system::error_code> nats_synapse::async_publish_request(
    std::string subject, std::string reply_subject, protocol::signal s) {
  std::string body = protocol::encode(s);
  std::lock_guard lock(impl_->mu);
  if (impl_->closed) co_return make_error_code(errc::closed);
  if (!impl_->conn) co_return make_error_code(errc::not_connected);
  natsStatus st =
      reply_subject.empty()
          ? natsConnection_Publish(impl_->conn, subject.c_str(), body.data(),
                                   static_cast<int>(body.size()))
          : natsConnection_PublishRequest(impl_->conn, subject.c_str(), reply_subject.c_str(),
                                          body.data(), static_cast<int>(body.size()));
  if (st != NATS_OK) {
    spdlog::warn("nats: publish on '{}' failed: {}", subject, nats_error(st));
    co_return map_status(st);
  }
  impl_->stats->published.fetch_add(1, std::memory_order_relaxed);
  co_return boost::system::error_code{};
}

asio::awaitable<boost::system::result<subscription>> nats_synapse::async_subscribe(
    std::string subject, handler h, std::optional<std::string> queue_group) {
  auto ex = co_await asio::this_coro::executor;
  auto sub = std::make_shared<subscriber>(std::move(subject), std::move(queue_group), std::move(h),
                                          ex, impl_->stats);
  auto ns = std::make_unique<nats_sub>();
  ns->sub = sub;
  std::lock_guard lock(impl_->mu);
  if (impl_->closed) co_return make_error_code(errc::closed);
  if (!impl_->conn) co_return make_error_code(errc::not_connected);
  natsStatus st =
      sub->group ? natsConnection_QueueSubscribe(&ns->handle, impl_->conn, sub->pattern.c_str(),
                                                 sub->group->c_str(), &impl::on_msg, ns.get())
                 : natsConnection_Subscribe(&ns->handle, impl_->conn, sub->pattern.c_str(),
                                            &impl::on_msg, ns.get());
  if (st != NATS_OK) {
    spdlog::warn("nats: subscribe to '{}' failed: {}", sub->pattern, nats_error(st));
    co_return map_status(st);
  }
  // libnats' default pending limits; a slow consumer is logged (on_error) and its drops
  // counted.
  natsSubscription* handle = ns->handle;
  std::weak_ptr<impl> weak = impl_;
  sub->on_unsubscribe = [weak, handle] {
    auto owner = weak.lock();
    if (!owner) return;
    std::lock_guard l(owner->mu);
    auto it = std::find_if(owner->subs.begin(), owner->subs.end(),
                           [handle](const auto& s) { return s->handle == handle; });
    if (it == owner->subs.end()) return;  // closed already: destroy() released it
    // Destroyed now, not at close: libnats frees the closure once the last message was
    // dispatched (the completion callback), so a callback in flight never sees it freed.
    nats_sub* ns = it->release();
    owner->subs.erase(it);
    count_dropped(handle, *owner->stats);
    if (!owner->conn || natsSubscription_SetOnCompleteCB(handle, &free_nats_sub, ns) != NATS_OK) {
      natsSubscription_Destroy(handle);
      delete ns;  // closed connection: no callback can run any more
      return;
    }
    natsSubscription_Unsubscribe(handle);
    natsSubscription_Destroy(handle);
  };
  impl_->subs.push_back(std::move(ns));
  co_return subscription(std::move(sub));
}

synapse_stats nats_synapse::stats() const noexcept { return impl_->stats->snapshot(); }

std::string nats_synapse::new_inbox(const protocol::signal&) {
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK) return "_INBOX.fallback";
  std::string s(inbox);
  natsInbox_Destroy(inbox);
  return s;
}

}  // namespace neuromesh::synapse
