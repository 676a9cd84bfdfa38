#pragma once
// Shared by the runtime tests: run a coroutine test body on a fresh io_context with a
// deadline, and a few Neurons.

#include "neuromesh/protocol/signal.h"
#include "neuromesh/runtime/axon.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>

/// ASSERT_* for coroutine bodies (gtest's ASSERT uses `return`).
#define CO_ASSERT(cond)                            \
  do {                                             \
    if (!(cond)) {                                 \
      ADD_FAILURE() << "assertion failed: " #cond; \
      co_return;                                   \
    }                                              \
  } while (0)

namespace neuromesh::runtime::test {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

/// Runs body(executor) to completion on a fresh io_context (fails the test after the
/// deadline). The body takes the executor by value: a coroutine keeps no reference that
/// could dangle after its first suspension.
inline void run(std::function<asio::awaitable<void>(asio::any_io_executor)> body,
                std::chrono::seconds deadline = std::chrono::seconds(30)) {
  asio::io_context io;
  auto f = asio::co_spawn(io, body(io.get_executor()), asio::use_future);
  auto until = std::chrono::steady_clock::now() + deadline;
  while (f.wait_for(0s) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() > until) FAIL() << "test body did not finish in time";
    io.run_one_for(100ms);
  }
  f.get();
}

/// Sleeps on the current executor (cancellable).
inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

/// Polls pred every millisecond (on the executor) until true or the deadline; returns pred().
inline asio::awaitable<bool> until(std::function<bool()> pred,
                                   std::chrono::milliseconds deadline = 5000ms) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!pred() && std::chrono::steady_clock::now() < end) {
    asio::steady_timer t(co_await asio::this_coro::executor, 1ms);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return pred();
}

/// True when awaiting a throws E. Catching inside a coroutine of its own keeps the exception
/// from unwinding through the caller's co_await (GCC 12 destroys its temporaries twice).
template <class E, class T>
asio::awaitable<bool> throws(asio::awaitable<T> a) {
  try {
    (void)co_await std::move(a);
  } catch (const E&) {
    co_return true;
  }
  co_return false;
}
template <class E>
asio::awaitable<bool> throws(asio::awaitable<void> a) {
  try {
    co_await std::move(a);
  } catch (const E&) {
    co_return true;
  }
  co_return false;
}

// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a Neuron
inline asio::awaitable<json::value> echo_neuron(const json::object& in, const context&) {
  co_return json::value(in);
}

/// Waits input.ms milliseconds (cancellable), then echoes.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a Neuron
inline asio::awaitable<json::value> slow_neuron(const json::object& in, const context&) {
  auto ms = in.contains("ms") ? in.at("ms").to_number<std::int64_t>() : 1000;
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);
  co_return json::value(in);
}

inline json::object payload(const protocol::signal& s) { return s.payload.to_json(); }

}  // namespace neuromesh::runtime::test
