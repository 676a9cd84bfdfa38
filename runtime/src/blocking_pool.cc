#include "blocking_pool.h"

#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

namespace neuromesh::runtime::detail {

blocking_pool::blocking_pool(std::size_t threads) : threads_(threads == 0 ? 1 : threads) {}

blocking_pool::~blocking_pool() {
  if (!pool_) return;
  pool_->stop();
  pool_->join();
}

void blocking_pool::ensure() {
  std::call_once(made_, [this] {
    pool_ = std::make_unique<boost::asio::thread_pool>(threads_);
    any_ = pool_->get_executor();
    serial_ = boost::asio::make_strand(pool_->get_executor());
  });
}

boost::asio::any_io_executor blocking_pool::executor() {
  ensure();
  return any_;
}

boost::asio::any_io_executor blocking_pool::serial() {
  ensure();
  return serial_;
}

}  // namespace neuromesh::runtime::detail
