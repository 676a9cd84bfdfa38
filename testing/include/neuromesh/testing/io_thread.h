#pragma once
// An io_context running on its own thread for the lifetime of the object, and a runner that
// waits for an awaitable on it with a deadline: the scaffolding of every test that drives
// coroutines from a plain gtest body.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

namespace neuromesh::testing {

class io_thread {
 public:
  io_thread() : work_(ctx_.get_executor()), thread_([this] { ctx_.run(); }) {}
  ~io_thread() {
    work_.reset();
    ctx_.stop();
    thread_.join();
  }
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

  boost::asio::io_context& ctx() { return ctx_; }
  boost::asio::any_io_executor executor() { return ctx_.get_executor(); }

  /// Runs an awaitable on the io thread and waits for it (throws after the deadline).
  template <class T>
  T run(boost::asio::awaitable<T> a, std::chrono::seconds deadline = std::chrono::seconds(20)) {
    auto f = boost::asio::co_spawn(ctx_, std::move(a), boost::asio::use_future);
    if (f.wait_for(deadline) != std::future_status::ready)
      throw std::runtime_error("awaitable did not finish before the deadline");
    return f.get();
  }

 private:
  boost::asio::io_context ctx_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace neuromesh::testing
