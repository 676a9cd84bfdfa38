// What every backend shares: subscription handles, request/reply over a private inbox, and
// the meta._reply_to helpers.
#include "neuromesh/synapse/synapse.h"

#include "neuromesh/synapse/errc.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>

namespace neuromesh::synapse {

namespace asio = boost::asio;

protocol::signal take(shared_signal&& s) {
  // Sound only because every backend allocates the delivered Signal non-const (synapse.h).
  auto held = std::move(s);
  if (held.use_count() == 1) return std::move(const_cast<protocol::signal&>(*held));
  return *held;
}

const std::string& subscription::subject() const noexcept {
  static const std::string none;
  return state_ ? state_->subject() : none;
}

namespace {

struct request_state {
  explicit request_state(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  std::optional<protocol::signal> reply;
};

// The inbox handler: keeps the first reply and wakes the waiting request.
struct reply_catcher {
  std::shared_ptr<request_state> state;
  void operator()(const protocol::signal& s) const {
    if (state->reply) return;
    state->reply = s;
    state->timer.cancel();
  }
};

}  // namespace

asio::awaitable<boost::system::result<protocol::signal>> synapse::async_request(
    std::string subject, protocol::signal s, std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  auto state = std::make_shared<request_state>(ex);
  std::string inbox = new_inbox(s);
  // A named handler: GCC 12 destroys a converted temporary inside a co_await operand twice.
  handler catcher = reply_catcher{state};
  auto sub = co_await async_subscribe(inbox, std::move(catcher), std::nullopt);
  if (!sub) co_return sub.error();
  state->timer.expires_after(timeout);
  auto request = with_reply_subject(std::move(s), inbox);
  auto ec = co_await async_publish_request(std::move(subject), inbox, std::move(request));
  if (ec) {
    sub->unsubscribe();
    co_return ec;
  }
  // A reply may already be here: in-process handlers run inside publish.
  if (!state->reply) {
    boost::system::error_code wait_ec;
    co_await state->timer.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
  }
  sub->unsubscribe();
  if (state->reply) co_return std::move(*state->reply);
  co_return make_error_code(errc::timeout);
}

asio::awaitable<boost::system::error_code> synapse::async_publish_request(
    std::string subject, std::string /*reply_subject*/, protocol::signal s) {
  return async_publish(std::move(subject), std::move(s));
}

std::optional<std::string> reply_subject(const protocol::signal& s) {
  // Cheap pre-check: most Signals carry no reply subject and are not worth a parse.
  if (s.meta.text().find("\"_reply_to\"") == std::string::npos) return std::nullopt;
  auto meta = s.meta.to_json();
  auto* v = meta.if_contains("_reply_to");
  if (v == nullptr || !v->is_string() || v->get_string().empty()) return std::nullopt;
  return std::string(v->get_string());
}

protocol::signal with_reply_subject(protocol::signal s, const std::string& reply) {
  auto meta = s.meta.to_json();
  meta["_reply_to"] = reply;
  s.meta = protocol::raw_object(meta);
  return s;
}

}  // namespace neuromesh::synapse
