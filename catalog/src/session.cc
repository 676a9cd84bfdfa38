#include "session.h"

#include "session_loop.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <utility>

namespace neuromesh::catalog::detail {

std::chrono::milliseconds idle_check_period(std::chrono::milliseconds idle_timeout) {
  using std::chrono::milliseconds;
  return std::clamp(idle_timeout / 4, milliseconds(10), milliseconds(1000));
}

void completion_inbox::push(std::function<void()> fn) {
  bool post = false;
  {
    std::lock_guard lock(mu_);
    queued_.push_back(std::move(fn));
    post = !std::exchange(posted_, true);
  }
  if (post) boost::asio::post(ioc_, [self = shared_from_this()] { self->drain(); });
}

void completion_inbox::drain() {
  {
    std::lock_guard lock(mu_);
    running_.swap(queued_);
    posted_ = false;
  }
  // A resumed session may queue again (a later write): that goes to queued_ and posts a
  // new drain, so this loop only runs what was queued before it started.
  for (auto& fn : running_) fn();
  running_.clear();
}

std::shared_ptr<completion_inbox> server_shared::inbox_for(
    const boost::asio::any_io_executor& ex) const {
  auto& ctx = boost::asio::query(ex, boost::asio::execution::context);
  for (const auto& inbox : inboxes) {
    if (&inbox->context() == &ctx) return inbox;
  }
  return nullptr;
}

void close_if_idle(session_handle& h, std::chrono::milliseconds timeout) {
  if (h.closed || !h.io_pending || h.stream == nullptr) return;
  if (std::chrono::steady_clock::now() - h.io_since < timeout) return;
  boost::beast::error_code ec;
  h.stream->socket().close(ec);
}

boost::asio::awaitable<void> run_plain_session(boost::beast::tcp_stream stream,
                                               std::shared_ptr<server_shared> shared) {
  auto handle = std::make_shared<session_handle>();
  handle->executor = stream.get_executor();
  handle->inbox = shared->inbox_for(handle->executor);
  handle->stream = &stream;
  session_registration reg(*shared, handle);
  boost::beast::flat_buffer buffer;
  co_await serve_requests(&stream, &buffer, shared.get(), handle.get(),
                          peer_address(stream.socket()));
  boost::beast::error_code ec;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace neuromesh::catalog::detail
