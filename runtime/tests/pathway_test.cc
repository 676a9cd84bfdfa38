// Pathway semantics of §4.10 without a dendrite: wait / wait_for / callbacks / iteration,
// buffering after close, auto-close, scope terminal.
#include "neuromesh/runtime/pathway.h"

#include "neuromesh/protocol/builders.h"
#include "neuromesh/runtime/errors.h"
#include "runtime_test_support.h"

namespace neuromesh::runtime::test {
namespace {

using protocol::signal;
using protocol::signal_type;

signal of(signal_type t, const protocol::trace_id& trace) {
  return protocol::make_signal(t, {}, {.trace = trace});
}

asio::awaitable<void> wait_gets_first_wait_type_and_buffers(asio::any_io_executor) {
  pathway pw(protocol::trace_id::generate());
  pw.deliver(of(signal_type::plan, pw.trace()));
  pw.deliver(of(signal_type::agent_output, pw.trace()));
  auto r = co_await pw.async_wait(100ms);
  EXPECT_TRUE(r && r->type == signal_type::agent_output);
  auto plan = co_await pw.async_wait_for(signal_type::plan, 100ms);
  EXPECT_TRUE(plan && plan->type == signal_type::plan);
  auto none = co_await pw.async_wait(20ms);
  EXPECT_EQ(none.error(), errc::timeout);
}
TEST(pathway, wait_gets_first_wait_type_and_buffers) { run(wait_gets_first_wait_type_and_buffers); }

asio::awaitable<void> deliver_wakes_pending_waiters_and_callbacks(asio::any_io_executor ex) {
  auto pw = std::make_shared<pathway>(protocol::trace_id::generate());
  int seen = 0;
  pw->on(signal_type::agent_output, [&](const signal&) { ++seen; });
  asio::steady_timer t(ex, 5ms);
  t.async_wait(
      [pw](boost::system::error_code) { pw->deliver(of(signal_type::agent_output, pw->trace())); });
  auto r = co_await pw->async_wait(1s);
  EXPECT_TRUE(r && r->type == signal_type::agent_output);
  EXPECT_EQ(seen, 1);
}
TEST(pathway, deliver_wakes_pending_waiters_and_callbacks) {
  run(deliver_wakes_pending_waiters_and_callbacks);
}

asio::awaitable<void> final_closes_and_buffer_survives_close(asio::any_io_executor) {
  pathway pw(protocol::trace_id::generate());
  pw.deliver(of(signal_type::agent_output, pw.trace()));
  pw.deliver(of(signal_type::final, pw.trace()));
  EXPECT_TRUE(pw.closed());
  pw.deliver(of(signal_type::plan, pw.trace()));  // ignored after close
  EXPECT_EQ(pw.size(), 2u);
  auto out = co_await pw.async_wait_for(signal_type::agent_output);
  auto fin = co_await pw.async_wait_for(signal_type::final);
  EXPECT_TRUE(out && fin);
  auto more = co_await pw.async_wait();
  EXPECT_EQ(more.error(), errc::pathway_closed);
}
TEST(pathway, final_closes_and_buffer_survives_close) {
  run(final_closes_and_buffer_survives_close);
}

asio::awaitable<void> error_closes_and_pending_wait_fails_on_close(asio::any_io_executor ex) {
  auto pw = std::make_shared<pathway>(protocol::trace_id::generate());
  pw->deliver(of(signal_type::error, pw->trace()));
  EXPECT_TRUE(pw->closed());
  auto pw2 = std::make_shared<pathway>(protocol::trace_id::generate());
  int closed = 0;
  pw2->on_close([&] { ++closed; });
  asio::steady_timer t(ex, 5ms);
  t.async_wait([pw2](boost::system::error_code) { pw2->close(); });
  auto r = co_await pw2->async_wait_for(signal_type::final, 5s);
  EXPECT_EQ(r.error(), errc::pathway_closed);
  pw2->close();
  EXPECT_EQ(closed, 1);  // close is idempotent
}
TEST(pathway, error_closes_and_pending_wait_fails_on_close) {
  run(error_closes_and_pending_wait_fails_on_close);
}

asio::awaitable<void> iteration_sees_everything_until_close(asio::any_io_executor) {
  pathway pw(protocol::trace_id::generate());
  pw.deliver(of(signal_type::plan, pw.trace()));
  pw.deliver(of(signal_type::agent_output, pw.trace()));
  (void)co_await pw.async_wait();  // consuming by wait does not drain iteration
  pw.deliver(of(signal_type::final, pw.trace()));
  std::vector<signal_type> types;
  for (;;) {
    auto r = co_await pw.async_next(100ms);
    if (!r) {
      EXPECT_EQ(r.error(), errc::pathway_closed);
      break;
    }
    types.push_back(r->type);
  }
  EXPECT_EQ(types, (std::vector<signal_type>{signal_type::plan, signal_type::agent_output,
                                             signal_type::final}));
}
TEST(pathway, iteration_sees_everything_until_close) { run(iteration_sees_everything_until_close); }

asio::awaitable<void> terminal_scope_drops_all_but_terminal_set(asio::any_io_executor) {
  pathway pw(protocol::trace_id::generate(), scope::terminal);
  int outputs = 0;
  pw.on(signal_type::agent_output, [&](const signal&) { ++outputs; });
  pw.deliver(of(signal_type::agent_output, pw.trace()));
  pw.deliver(of(signal_type::permission, pw.trace()));
  EXPECT_EQ(outputs, 1);  // explicit callbacks still fire
  EXPECT_EQ(pw.size(), 1u);
  auto r = co_await pw.async_wait(100ms);
  EXPECT_TRUE(r && r->type == signal_type::permission);
  EXPECT_FALSE(pw.closed());  // PERMISSION pauses, it does not close
  EXPECT_THROW(parse_scope("some"), usage_error);
}
TEST(pathway, terminal_scope_drops_all_but_terminal_set) {
  run(terminal_scope_drops_all_but_terminal_set);
}

}  // namespace
}  // namespace neuromesh::runtime::test
