#pragma once
// One HTTP/1.1 connection: a coroutine reading requests (body limit, idle deadline),
// handing each to catalog_service::handle and writing the shared response body without a
// copy. One write in flight per connection; the connection's own single-threaded io_context
// serialises all of it.

#include "neuromesh/catalog/server.h"
#include "neuromesh/catalog/service.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace neuromesh::catalog::detail {

/// Wakes sessions of one io_context whose store writes committed, in batches: the store's
/// writer thread settles a whole group commit at once, and instead of one post (scheduler
/// lock, reactor interrupt) per acknowledged write it queues each resumption here; only the
/// first one queued since the last drain posts a drain to the io_context, which resumes
/// every session queued by then. One per server worker; shared by its sessions.
///
/// Thread-safety: push() from any thread; drain runs on the io_context. The server's work
/// guards keep the io_context running until the phased stop has drained its sessions.
class completion_inbox : public std::enable_shared_from_this<completion_inbox> {
 public:
  explicit completion_inbox(boost::asio::io_context& ioc) : ioc_(ioc) {}
  boost::asio::io_context& context() const noexcept { return ioc_; }
  /// Queues fn to run on the io_context (in push order).
  void push(std::function<void()> fn);

 private:
  void drain();

  boost::asio::io_context& ioc_;
  std::mutex mu_;
  std::vector<std::function<void()>> queued_;
  std::vector<std::function<void()>> running_;  ///< the io_context's only
  bool posted_ = false;
};

/// What the server knows about a live connection, for the phased stop.
struct session_handle {
  boost::asio::any_io_executor executor;  ///< the connection's io_context
  boost::beast::tcp_stream* stream = nullptr;
  bool busy = false;  ///< a request is being handled (its io_context only)
  /// A socket read or write is in flight, since io_since (its io_context only): the
  /// server's coarse idle check closes a connection whose operation waited longer than
  /// idle_timeout (instead of a deadline timer armed and cancelled around every operation).
  bool io_pending = false;
  std::chrono::steady_clock::time_point io_since{};
  bool closed = false;  ///< the coroutine is done (its io_context only)
  /// The event_stream this connection is feeding, if any (its io_context only): the stop
  /// closes it so the stream ends after what is queued.
  std::shared_ptr<event_stream> feed;
  /// Where commits of this connection's writes wake it (its io_context's inbox).
  std::shared_ptr<completion_inbox> inbox;
};

/// State every session shares (read-only except the counters and the session set).
struct server_shared {
  catalog_service& service;
  server_options options;
  std::atomic<bool> stopping{false};
  std::mutex sessions_mu;
  std::set<std::shared_ptr<session_handle>> sessions;
  /// One per worker io_context, fixed after construction.
  std::vector<std::shared_ptr<completion_inbox>> inboxes;

  /// The inbox of the io_context running ex.
  std::shared_ptr<completion_inbox> inbox_for(const boost::asio::any_io_executor& ex) const;
};

/// How often the idle check runs for a given idle timeout (a quarter of it, 10 ms to 1 s):
/// a connection is closed between idle_timeout and idle_timeout plus this after its
/// operation started waiting.
std::chrono::milliseconds idle_check_period(std::chrono::milliseconds idle_timeout);

/// On the session's own io_context: closes its socket when its read or write has waited
/// longer than timeout (the operation then fails and the session ends).
void close_if_idle(session_handle& h, std::chrono::milliseconds timeout);

/// Serves one accepted plain-TCP connection.
boost::asio::awaitable<void> run_plain_session(boost::beast::tcp_stream stream,
                                               std::shared_ptr<server_shared> shared);

}  // namespace neuromesh::catalog::detail
