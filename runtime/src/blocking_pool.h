#pragma once
// Blocking work off a dendrite's executor (layer-internal): synchronous Neurons and
// registry_store calls (a SQLite / PostgreSQL store, a slow sync Neuron) run on a small
// thread pool of the dendrite's own, and the caller resumes on its executor with the result.
// STOP, DISCOVER and other TASKs keep being served while they run.
//
// The pool is made on first use (a dendrite that never blocks starts no thread) with
// dendrite_options::blocking_threads threads; store calls go through one strand of it, so
// they keep the order in which they were made (REGISTER before DEREGISTER).
//
// Destruction stops the pool and joins its threads: it waits for the calls still running.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>

namespace boost::asio {
class thread_pool;
}

namespace neuromesh::runtime::detail {

class blocking_pool {
 public:
  explicit blocking_pool(std::size_t threads);
  ~blocking_pool();
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  /// Any of the pool's threads (sync Neurons run concurrently).
  boost::asio::any_io_executor executor();
  /// One strand of the pool (store calls, in order).
  boost::asio::any_io_executor serial();

 private:
  void ensure();
  std::size_t threads_;
  std::once_flag made_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  boost::asio::any_io_executor any_, serial_;
};

template <class R>
boost::asio::awaitable<R> run_blocking_body(std::function<R()> fn) {
  co_return fn();
}

/// Runs fn on ex and resumes the caller on its own executor with fn's result (an exception
/// fn throws is rethrown here). What fn refers to must outlive the call: the caller is
/// resumed only after fn returned. A blocking call cannot be interrupted, so the caller's
/// cancellation (STOP) is not forwarded to it; the caller sees it after the call returned.
template <class R>
boost::asio::awaitable<R> async_run_on(boost::asio::any_io_executor ex, std::function<R()> fn) {
  // Operands built first: GCC 12 mishandles temporaries in co_await operands.
  auto body = run_blocking_body<R>(std::move(fn));
  auto token = boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(),
                                                   boost::asio::use_awaitable);
  auto op = boost::asio::co_spawn(std::move(ex), std::move(body), token);
  co_return co_await std::move(op);
}

}  // namespace neuromesh::runtime::detail
