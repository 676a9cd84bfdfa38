#pragma once
// Transport-free request and response: the service maps one to the other without I/O, so
// every route is unit-tested without a socket. The server fills a request from Beast and
// writes the response back; the body is shared so a cached view (the ~560 KB grouped
// /tools list) goes out without a copy.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace neuromesh::catalog {

enum class http_method { get, head, post, put, patch, delete_, options, other };

struct request {
  http_method method = http_method::get;
  std::string target;                  ///< raw path and query, as sent
  std::optional<std::string> body;     ///< nullopt when the request carried no body
  std::optional<std::string> api_key;  ///< X-API-Key header when present
  std::string client;                  ///< peer address (rate-limit key)
};

/// A store write a response must wait for before it is sent: the SQLite store commits
/// concurrent heartbeats in one transaction, and a heartbeat is acknowledged only once its
/// transaction committed. Thread-safe; completes exactly once.
class pending_write {
 public:
  /// Calls fn(ok) when the write is durable (ok) or failed; at once if already settled.
  /// fn runs on the thread that completes the write: keep it short, post onward.
  void on_done(std::function<void(bool ok)> fn);
  void complete(bool ok);
  /// Settled, and how (for callers that can check without waiting).
  bool settled() const;
  bool ok() const;

 private:
  mutable std::mutex mu_;
  bool settled_ = false;
  bool ok_ = false;
  std::function<void(bool)> fn_;
};

/// A server-to-client byte stream kept open after the response head (Server-Sent Events):
/// a response that carries one is written without Content-Length, then every pushed chunk
/// goes out as it arrives until the stream closes, the client goes away or the server stops.
///
/// Thread-safety: push() and close() from any thread; poll() from the one session that owns
/// the connection. A stream whose queue would pass max_queued_bytes is closed as a slow
/// consumer (overflowed() is true) so one stalled browser never grows the process.
class event_stream {
 public:
  explicit event_stream(std::size_t max_queued_bytes = std::size_t{4} << 20)
      : max_queued_(max_queued_bytes) {}

  /// Queues text; false when the stream is closed (now or by this overflow).
  bool push(std::string_view text);
  /// Ends the stream: the session sends what is queued and closes. Idempotent.
  void close() noexcept;
  bool closed() const;
  bool overflowed() const;

  enum class poll_result { data, wait, closed };
  /// Consumer side: moves queued text into out (data); or, when nothing is queued, keeps
  /// wake to be called once (from the pushing thread) when there is (wait); or closed.
  poll_result poll(std::string& out, std::function<void()> wake);

 private:
  mutable std::mutex mu_;
  std::string queued_;
  std::size_t max_queued_;
  bool closed_ = false;
  bool overflowed_ = false;
  std::function<void()> wake_;
};

struct response;

/// A response computed off the I/O threads (GET /neurons reads the registry store on the
/// service's reader thread): the session suspends until complete() delivers it.
/// Thread-safety: on_done and complete from any thread; completes exactly once.
class deferred_response {
 public:
  /// Calls fn(r) once the response is ready; at once if it is already.
  /// fn runs on the completing thread: keep it short, post onward.
  void on_done(std::function<void(response)> fn);
  void complete(response r);
  /// Blocks until complete() ran and returns the response (for callers off any event
  /// loop: tests, tools).
  response wait();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<response> ready_;
  std::function<void(response)> fn_;
};

struct response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::shared_ptr<const std::string> body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< Retry-After, Allow, ...
  /// Set when the response may go out only after this write commits (else 503).
  std::shared_ptr<pending_write> pending;
  /// Set for a streaming response (see event_stream): body is ignored.
  std::shared_ptr<event_stream> stream;
  /// Set when the real response comes later (see deferred_response): the rest is ignored.
  std::shared_ptr<deferred_response> deferred;

  const std::string& text() const;  ///< body or "" when none
};

}  // namespace neuromesh::catalog
