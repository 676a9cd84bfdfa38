#include "neuromesh/synapse/nats_synapse.h"

#include "delivery.h"
#include "neuromesh/protocol/codec.h"
#include "neuromesh/synapse/errc.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>
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

// natsConnection_Connect blocks (TCP connect plus INFO/CONNECT, up to connect_timeout):
// it runs on a thread of its own and completes on the caller's executor, so the caller's
// event loop keeps running. The thread owns the options until it is done.
struct connect_result {
  natsStatus status = NATS_ERR;
  natsConnection* conn = nullptr;
  std::string error;  // libnats' last error text, read on the connecting thread
};

template <class Token>
auto async_nats_connect(natsOptions* opts, Token&& token) {
  return asio::async_initiate<Token, void(connect_result)>(
      [opts](auto handler) {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        std::thread([opts, h = std::move(handler), work = std::move(work)]() mutable {
          connect_result r;
          r.status = natsConnection_Connect(&r.conn, opts);
          natsOptions_Destroy(opts);  // libnats keeps its own copy
          if (r.status != NATS_OK) r.error = nats_error(r.status);
          nats_ReleaseThreadMemory();
          // Nothing here touches the executor after dispatch: the work guard travels with
          // the completion and is released on the executor once the caller has resumed
          // (the caller may destroy its io_context right after).
          auto ex = asio::get_associated_executor(h);
          asio::dispatch(ex, [h = std::move(h), r = std::move(r), w = std::move(work)]() mutable {
            h(std::move(r));
            w.reset();
          });
        }).detach();
      },
      token);
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
  std::mutex mu;  // guards conn, closed, connecting, subs, resp_sub; never held by callbacks
  natsConnection* conn = nullptr;
  bool closed = false;
  bool connecting = false;
  // Callers of async_connect while one is in progress: each waits on its own channel
  // (thread-safe, one slot) for that attempt's outcome, sent when it completes.
  using connect_waiter = asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  std::vector<std::shared_ptr<connect_waiter>> connect_waiters;
  std::vector<std::unique_ptr<nats_sub>> subs;
  // Request/reply (nats.go's respMux): one libnats subscription on `<resp_prefix>.*` for
  // every request; each request's inbox is `<resp_prefix>.<n>`, its waiter found by the
  // last token in resp_map. resp_mu guards resp_map only and is never held with mu.
  std::string resp_prefix;  // _INBOX.<nuid>, fixed at construction
  std::atomic<std::uint64_t> resp_next{0};
  natsSubscription* resp_sub = nullptr;
  std::mutex resp_mu;
  std::unordered_map<std::string, std::shared_ptr<subscriber>> resp_map;
  std::shared_ptr<detail::stats_counters> stats = std::make_shared<detail::stats_counters>();

  void finish_connect(boost::system::error_code ec);

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
    if (resp_sub) {
      count_dropped(resp_sub, *stats);
      natsSubscription_Destroy(resp_sub);
      resp_sub = nullptr;
    }
  }

  // On a libnats thread: a reply on the shared inbox goes to the request waiting for it.
  static void on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<impl*>(closure);
    std::string_view subject = natsMsg_GetSubject(msg);
    std::shared_ptr<subscriber> to;
    {
      std::lock_guard lock(self->resp_mu);
      auto it = self->resp_map.find(std::string(subject));
      if (it != self->resp_map.end()) to = it->second;
    }
    if (!to || !to->active()) {
      natsMsg_Destroy(msg);
      self->stats->dropped.fetch_add(1, std::memory_order_relaxed);  // late or duplicate reply
      return;
    }
    std::string_view data(natsMsg_GetData(msg),
                          static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    auto decoded = protocol::decode(data);
    natsMsg_Destroy(msg);
    if (!decoded) {
      to->stats->decode_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("nats: undecodable reply on '{}': {}", to->pattern, decoded.error().what());
      return;
    }
    auto ex = to->ex;
    asio::post(ex, detail::delivery{std::move(to),
                                    std::make_shared<protocol::signal>(std::move(*decoded))});
  }

  // The shared reply subscription, made on the first request. Called under mu.
  natsStatus ensure_resp_sub() {
    if (resp_sub) return NATS_OK;
    std::string wildcard = resp_prefix + ".*";
    return natsConnection_Subscribe(&resp_sub, conn, wildcard.c_str(), &impl::on_reply, this);
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
    asio::post(ex,
               detail::delivery{ns->sub, std::make_shared<protocol::signal>(std::move(*decoded))});
  }
};

nats_synapse::nats_synapse(nats_options options)
    : impl_(std::make_shared<impl>(std::move(options))) {
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK) throw std::runtime_error("nats: cannot create an inbox");
  impl_->resp_prefix = inbox;
  natsInbox_Destroy(inbox);
}

nats_synapse::~nats_synapse() = default;

std::string nats_synapse::url() const { return impl_->opts.url; }

namespace {

// A second async_connect while one is in progress waits for that attempt's outcome instead
// of starting another (or failing): several callers share one connection attempt.
asio::awaitable<boost::system::error_code> async_join_connect(
    std::shared_ptr<nats_synapse::impl::connect_waiter> w) {
  auto [ec] = co_await w->async_receive(asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

}  // namespace

// Sends the outcome of a connect attempt to every caller that joined it.
void nats_synapse::impl::finish_connect(boost::system::error_code ec) {
  std::vector<std::shared_ptr<connect_waiter>> waiters;
  {
    std::lock_guard lock(mu);
    connecting = false;
    waiters.swap(connect_waiters);
  }
  for (auto& w : waiters) (void)w->try_send(ec);  // one slot each: never blocks, never fails
}

asio::awaitable<boost::system::error_code> nats_synapse::async_connect() {
  auto self = impl_;
  auto ex = co_await asio::this_coro::executor;
  natsOptions* nopts = nullptr;
  std::shared_ptr<impl::connect_waiter> joined;
  {
    std::lock_guard lock(self->mu);
    if (self->closed) co_return make_error_code(errc::closed);
    if (self->conn) co_return boost::system::error_code{};
    if (self->connecting) {
      joined = std::make_shared<impl::connect_waiter>(ex, 1);
      self->connect_waiters.push_back(joined);
    } else {
      natsStatus s = natsOptions_Create(&nopts);
      const auto& o = self->opts;
      if (s == NATS_OK) s = natsOptions_SetURL(nopts, o.url.c_str());
      if (s == NATS_OK) s = natsOptions_SetSendAsap(nopts, true);
      if (s == NATS_OK) s = natsOptions_SetTimeout(nopts, o.connect_timeout.count());
      if (s == NATS_OK) s = natsOptions_SetAllowReconnect(nopts, true);
      if (s == NATS_OK) s = natsOptions_SetMaxReconnect(nopts, -1);
      if (s == NATS_OK) s = natsOptions_SetReconnectWait(nopts, o.reconnect_wait.count());
      if (s == NATS_OK) s = natsOptions_SetReconnectedCB(nopts, &impl::on_reconnected, self.get());
      if (s == NATS_OK) s = natsOptions_SetErrorHandler(nopts, &impl::on_error, nullptr);
      if (s != NATS_OK) {
        spdlog::warn("nats: bad options for {}: {}", o.url, nats_error(s));
        if (nopts) natsOptions_Destroy(nopts);
        co_return make_error_code(errc::backend_error);
      }
      self->connecting = true;
    }
  }
  if (joined) co_return co_await async_join_connect(std::move(joined));
  // Off the caller's thread; the options go with it.
  connect_result r = co_await async_nats_connect(nopts, asio::use_awaitable);
  boost::system::error_code ec;
  {
    std::lock_guard lock(self->mu);
    if (r.status != NATS_OK) {
      spdlog::warn("nats: cannot connect to {}: {}", self->opts.url, r.error);
      ec = make_error_code(errc::not_connected);
    } else if (self->closed) {  // closed while connecting: this connection is not wanted
      natsConnection_Close(r.conn);
      natsConnection_Destroy(r.conn);
      ec = make_error_code(errc::closed);
    } else {
      self->conn = r.conn;
    }
  }
  self->finish_connect(ec);
  co_return ec;
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
  {
    std::lock_guard lock(self->resp_mu);  // never with mu
    for (auto& [key, waiter] : self->resp_map) waiter->live = false;
    self->resp_map.clear();
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

namespace {

// A request's private inbox: an entry in the shared reply map, not a libnats subscription.
boost::system::result<subscription> subscribe_reply(const std::shared_ptr<nats_synapse::impl>& self,
                                                    std::shared_ptr<subscriber> sub) {
  {
    std::lock_guard lock(self->mu);
    if (self->closed) return make_error_code(errc::closed);
    if (!self->conn) return make_error_code(errc::not_connected);
    if (natsStatus st = self->ensure_resp_sub(); st != NATS_OK) {
      spdlog::warn("nats: reply subscription on '{}.*' failed: {}", self->resp_prefix,
                   nats_error(st));
      return map_status(st);
    }
  }
  std::weak_ptr<nats_synapse::impl> weak = self;
  std::string key = sub->pattern;
  sub->on_unsubscribe = [weak, key] {
    if (auto owner = weak.lock()) {
      std::lock_guard l(owner->resp_mu);
      owner->resp_map.erase(key);
    }
  };
  std::lock_guard lock(self->resp_mu);
  self->resp_map[key] = sub;
  return subscription(std::move(sub));
}

}  // namespace

asio::awaitable<boost::system::result<subscription>> nats_synapse::async_subscribe(
    std::string subject, handler h, std::optional<std::string> queue_group) {
  auto ex = co_await asio::this_coro::executor;
  auto sub = std::make_shared<subscriber>(std::move(subject), std::move(queue_group), std::move(h),
                                          ex, impl_->stats);
  if (!sub->group && sub->pattern.starts_with(impl_->resp_prefix + ".") &&
      sub->pattern.find_first_of("*>", impl_->resp_prefix.size()) == std::string::npos)
    co_return subscribe_reply(impl_, std::move(sub));
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
  return impl_->resp_prefix + "." + std::to_string(impl_->resp_next.fetch_add(1) + 1);
}

std::size_t nats_synapse::subscription_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->subs.size() + (impl_->resp_sub ? 1 : 0);
}

std::size_t nats_synapse::pending_requests() const {
  std::lock_guard lock(impl_->resp_mu);
  return impl_->resp_map.size();
}

}  // namespace neuromesh::synapse
