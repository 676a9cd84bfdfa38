#pragma once
// One HTTP/1.1 connection: a coroutine reading requests (body limit, idle deadline),
// handing each to catalog_service::handle and writing the shared response body without a
// copy. One write in flight per connection; the connection's own single-threaded io_context
// serialises all of it.

#include "neuromesh/catalog/server.h"
#include "neuromesh/catalog/service.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace neuromesh::catalog::detail {

/// What the server knows about a live connection, for the phased stop.
struct session_handle {
  boost::asio::any_io_executor executor;  ///< the connection's io_context
  boost::beast::tcp_stream* stream = nullptr;
  bool busy = false;    ///< a request is being handled (its io_context only)
  bool closed = false;  ///< the coroutine is done (its io_context only)
  /// The event_stream this connection is feeding, if any (its io_context only): the stop
  /// closes it so the stream ends after what is queued.
  std::shared_ptr<event_stream> feed;
};

/// State every session shares (read-only except the counters and the session set).
struct server_shared {
  catalog_service& service;
  server_options options;
  std::atomic<bool> stopping{false};
  std::mutex sessions_mu;
  std::set<std::shared_ptr<session_handle>> sessions;
};

/// Serves one accepted plain-TCP connection.
boost::asio::awaitable<void> run_plain_session(boost::beast::tcp_stream stream,
                                               std::shared_ptr<server_shared> shared);

}  // namespace neuromesh::catalog::detail
