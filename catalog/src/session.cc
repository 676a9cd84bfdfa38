#include "session.h"

#include "session_loop.h"

#include <algorithm>

namespace neuromesh::catalog::detail {

std::chrono::milliseconds idle_check_period(std::chrono::milliseconds idle_timeout) {
  using std::chrono::milliseconds;
  return std::clamp(idle_timeout / 4, milliseconds(10), milliseconds(1000));
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
  handle->stream = &stream;
  session_registration reg(*shared, handle);
  boost::beast::flat_buffer buffer;
  co_await serve_requests(&stream, &buffer, shared.get(), handle.get(),
                          peer_address(stream.socket()));
  boost::beast::error_code ec;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace neuromesh::catalog::detail
