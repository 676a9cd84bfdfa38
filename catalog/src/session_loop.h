#pragma once
// The request loop shared by plain and TLS sessions (a template over the stream type).

#include "session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <tuple>

namespace neuromesh::catalog::detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace asio = boost::asio;

/// Adds the session to the server's set for its lifetime (the phased stop walks it).
class session_registration {
 public:
  session_registration(server_shared& shared, std::shared_ptr<session_handle> handle)
      : shared_(shared), handle_(std::move(handle)) {
    std::lock_guard lock(shared_.sessions_mu);
    shared_.sessions.insert(handle_);
  }
  ~session_registration() {
    handle_->closed = true;
    handle_->stream = nullptr;
    std::lock_guard lock(shared_.sessions_mu);
    shared_.sessions.erase(handle_);
  }
  session_registration(const session_registration&) = delete;
  session_registration& operator=(const session_registration&) = delete;

 private:
  server_shared& shared_;
  std::shared_ptr<session_handle> handle_;
};

inline std::string peer_address(const asio::ip::tcp::socket& socket) {
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : ep.address().to_string();
}

http_method to_method(http::verb v) noexcept;

/// Writes the status line and headers of r into out (reused per connection, so steady
/// state allocates nothing); the body goes out as a second buffer, straight from the
/// shared (often cached) string.
void wire_header(std::string& out, const response& r, unsigned version, bool keep_alive);

template <class Stream>
asio::awaitable<beast::error_code> write_response(Stream* stream_p, std::string* header_p,
                                                  const response* rp, unsigned version,
                                                  bool keep_alive, bool head) {
  auto& stream = *stream_p;
  auto& header = *header_p;
  const auto& r = *rp;
  wire_header(header, r, version, keep_alive);
  const auto& body = r.text();
  std::array<asio::const_buffer, 2> buffers{asio::buffer(header),
                                            asio::buffer(body.data(), head ? 0 : body.size())};
  auto [ec, n] = co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
  (void)n;
  co_return ec;
}

// The awaits below are initiating functions, not coroutines (no temporary lives across a
// suspension). Each holds a work guard on the session's executor until its completion
// arrives, so the io_context's run() does not return while a write is still committing.

/// Suspends until the write settles; true when it is durable. With an inbox, the commit's
/// wake-up joins the batch of its io_context (see completion_inbox); without one (not a
/// server worker) it is posted alone, holding a work guard.
inline asio::awaitable<bool> await_durable(std::shared_ptr<pending_write> pending,
                                           std::shared_ptr<completion_inbox> inbox) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(bool)>(
      [pending, inbox](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        if (inbox) {
          pending->on_done(
              [h, inbox](bool ok) { inbox->push([h, ok]() mutable { std::move (*h)(ok); }); });
          return;
        }
        auto work = asio::make_work_guard(asio::get_associated_executor(*h));
        pending->on_done([h, work](bool ok) mutable {
          asio::post(work.get_executor(), [h, ok]() mutable { std::move (*h)(ok); });
          work.reset();
        });
      },
      asio::use_awaitable);
}

/// Suspends until a deferred response (GET /neurons) is ready.
inline asio::awaitable<response> await_response(std::shared_ptr<deferred_response> deferred) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(response)>(
      [deferred](auto handler) {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        deferred->on_done([h, work](response r) mutable {
          asio::post(work.get_executor(),
                     [h, r = std::move(r)]() mutable { std::move (*h)(std::move(r)); });
          work.reset();
        });
      },
      asio::use_awaitable);
}

/// Runs a sweep and suspends until its store writes settled.
inline asio::awaitable<sweep_result> await_sweep(catalog_service& service) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(sweep_result)>(
      [&service](auto handler) {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        service.sweep([h, work](sweep_result r) mutable {
          asio::post(work.get_executor(), [h, r]() mutable { std::move (*h)(r); });
          work.reset();
        });
      },
      asio::use_awaitable);
}

/// The head of a streaming (close-delimited) response: no Content-Length.
void wire_stream_header(std::string& out, const response& r, unsigned version);

/// Suspends until the stream has something for out (or closed): registers a waker that
/// resumes the session on its own executor. Not a coroutine (as await_durable), so no
/// temporary lives across a suspension.
inline asio::awaitable<void> await_wake(std::shared_ptr<event_stream> s, std::string& out) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [s, &out](auto handler) {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto wake = [h, ex] { asio::post(ex, [h]() mutable { std::move (*h)(); }); };
        // Something may have arrived since the caller's poll: then resume at once.
        if (s->poll(out, wake) != event_stream::poll_result::wait) wake();
      },
      asio::use_awaitable);
}

/// Suspends until the stream has data or closed; appends what it has to out.
inline asio::awaitable<event_stream::poll_result> await_stream(std::shared_ptr<event_stream> s,
                                                               std::string* out_p) {
  auto& out = *out_p;
  for (;;) {
    auto r = s->poll(out, nullptr);
    if (r != event_stream::poll_result::wait) co_return r;
    co_await await_wake(s, out);
    if (!out.empty()) co_return event_stream::poll_result::data;
  }
}

/// Writes a streaming response until its stream closes or the client goes away.
template <class Stream>
asio::awaitable<void> write_stream(Stream* stream_p, std::string* header_p, const response* rp,
                                   unsigned version, session_handle* handle_p) {
  auto& stream = *stream_p;
  auto& header = *header_p;
  const auto& r = *rp;
  auto& handle = *handle_p;
  handle.feed = r.stream;
  wire_stream_header(header, r, version);
  auto [ec, n] =
      co_await asio::async_write(stream, asio::buffer(header), asio::as_tuple(asio::use_awaitable));
  (void)n;
  std::string chunk;
  // A streaming connection is idle between chunks: the phased stop closes its feed.
  handle.busy = false;
  while (!ec) {
    chunk.clear();
    auto pr = co_await await_stream(r.stream, &chunk);
    if (pr == event_stream::poll_result::closed && chunk.empty()) break;
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(chunk),
                                                 asio::as_tuple(asio::use_awaitable));
  }
  r.stream->close();
  handle.feed = nullptr;
}

/// Marks a socket operation in flight for the coarse idle check (see session_handle).
class io_watch {
 public:
  explicit io_watch(session_handle& h) : h_(h) {
    h_.io_pending = true;
    h_.io_since = std::chrono::steady_clock::now();
  }
  ~io_watch() { h_.io_pending = false; }
  io_watch(const io_watch&) = delete;
  io_watch& operator=(const io_watch&) = delete;

 private:
  session_handle& h_;
};

template <class Stream>
asio::awaitable<void> serve_requests(Stream* stream_p, beast::flat_buffer* buffer_p,
                                     server_shared* shared_p, session_handle* handle_p,
                                     std::string client) {
  auto& stream = *stream_p;
  auto& buffer = *buffer_p;
  auto& shared = *shared_p;
  auto& handle = *handle_p;
  const auto& opts = shared.options;
  // No per-operation deadline (a TLS handshake may have set one): the server's idle check
  // closes a connection whose read or write waits longer than idle_timeout.
  beast::get_lowest_layer(stream).expires_never();
  std::string header;
  for (;;) {
    handle.busy = false;
    if (shared.stopping.load()) co_return;
    http::request_parser<http::string_body> parser;
    parser.body_limit(opts.max_body);
    parser.header_limit(16 * 1024);
    beast::error_code ec;
    {
      io_watch watch(handle);
      std::size_t n = 0;
      std::tie(ec, n) =
          co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      (void)n;
    }
    if (ec == http::error::body_limit) {
      // The rest of the body is unread: answer 413 and close the connection.
      handle.busy = true;
      request head;
      head.method = to_method(parser.get().method());
      head.target = std::string(parser.get().target());
      auto r = shared.service.reject_too_large(head);
      io_watch watch(handle);
      co_await write_response(&stream, &header, &r, parser.get().version(), false, false);
      co_return;
    }
    if (ec) co_return;  // end of stream, idle timeout, reset, cancelled by the stop
    handle.busy = true;
    auto& msg = parser.get();
    request req;
    req.method = to_method(msg.method());
    req.target = std::string(msg.target());
    if (!msg.body().empty()) req.body = std::move(msg.body());
    if (auto it = msg.find("X-API-Key"); it != msg.end()) req.api_key = std::string(it->value());
    req.client = client;
    response r = shared.service.handle(req);
    if (r.deferred) r = co_await await_response(r.deferred);
    if (r.pending && !co_await await_durable(r.pending, handle.inbox))
      r = shared.service.write_failed(req);
    if (r.stream) {
      co_await write_stream(&stream, &header, &r, msg.version(), &handle);
      co_return;
    }
    bool keep_alive = msg.keep_alive() && !shared.stopping.load();
    beast::error_code wec;
    {
      io_watch watch(handle);
      wec = co_await write_response(&stream, &header, &r, msg.version(), keep_alive,
                                    msg.method() == http::verb::head);
    }
    if (wec || !keep_alive) co_return;
  }
}

}  // namespace neuromesh::catalog::detail
