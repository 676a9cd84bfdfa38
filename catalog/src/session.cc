#include "session.h"

#include "session_loop.h"

namespace neuromesh::catalog::detail {

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
