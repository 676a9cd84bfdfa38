#include "neuromesh/synapse/busy_poll.h"

namespace neuromesh::synapse {

std::size_t run_busy_polling(boost::asio::io_context& io, std::chrono::microseconds spin) {
  if (spin <= std::chrono::microseconds::zero()) return io.run();
  using clock = std::chrono::steady_clock;
  std::size_t ran = 0;
  while (true) {
    // poll() stops io once it has no work left; run_one() then returns 0, as run() would.
    if (std::size_t n = io.poll()) {
      ran += n;
      continue;
    }
    const auto until = clock::now() + spin;
    std::size_t n = 0;
    while (!io.stopped() && clock::now() < until && (n = io.poll()) == 0) {
    }
    if (n) {
      ran += n;
      continue;
    }
    n = io.run_one();
    if (n == 0) return ran;
    ran += n;
  }
}

}  // namespace neuromesh::synapse
