#pragma once
// Busy polling: run an io_context as io_context::run() does, but keep polling for a moment
// after its handlers ran out before blocking in the kernel.
//
//   asio::io_context io(1);
//   ... start a broker_server or cosmo_synapse clients on io ...
//   neuromesh::synapse::run_busy_polling(io, std::chrono::microseconds(50));
//
// Why: a thread blocked in epoll_wait is woken by the kernel when a frame arrives; on a VM
// that wake-up (an idle vCPU halted, then resumed) costs tens of microseconds, four times per
// request/reply through a broker. A thread still polling picks the frame up at once: with 50
// µs the sequential cosmo:// round trip fell from ~75-110 µs to ~40-70 µs on the 2-vCPU CI
// machine (NEUROMESH_BENCH_BUSY_POLL_US=50 bench/runtime_compare.sh). The price is CPU: after every
// burst of work the thread spins for `spin` more (at most 5 % of a core at 1,000 messages/s with 50
// µs). An idle thread still blocks, so an idle process stays at 0 % of a core. This is Aeron's
// BackoffIdleStrategy and Linux's SO_BUSY_POLL in spirit.

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>

namespace neuromesh::synapse {

/// Runs handlers of io until it is stopped or has no more work, as io.run() does, and returns
/// how many ran. When no handler is ready it polls (io.poll(), which also asks the reactor
/// without blocking) for up to `spin` before it blocks in io.run_one(). spin = 0 is io.run().
/// Thread-safety: as io.run() (several threads may run one io_context this way).
std::size_t run_busy_polling(boost::asio::io_context& io, std::chrono::microseconds spin);

}  // namespace neuromesh::synapse
