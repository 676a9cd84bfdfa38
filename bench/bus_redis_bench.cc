// End-to-end events/s of the Redis Streams adapter: emit N events into a bus with the Redis
// adapter and time until flush() says all are in Redis (MULTI/EXEC pipelines of XADD).
// Used by bus_redis_compare.sh beside redis-benchmark's XADD on the same server.
//   bus_redis_bench <redis-url> [events] [shards] [payload-bytes]
#include "neuromesh/bus/net.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace neuromesh::bus;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <redis-url> [events] [shards] [payload-bytes]\n", argv[0]);
    return 2;
  }
  const std::size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200'000;
  const auto shards = static_cast<std::uint16_t>(argc > 3 ? std::atoi(argv[3]) : 1);
  const std::size_t bytes = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 35;
  redis_adapter_config rc;
  rc.url = argv[1];
  rc.prefix = "bench";
  auto node = net::builder()
                  .shards(shards)
                  .ring_capacity(std::size_t{1} << 20)
                  .backpressure(backpressure::fail_producer)
                  .batching(batch_config{.min_size = 1, .max_size = 1000})
                  .redis(rc)
                  .build();
  std::string payload = R"({"d":")";
  while (payload.size() + 2 < bytes) payload += 'x';
  payload += "\"}";
  auto ev = raw_event::copy_of(payload);
  auto t0 = std::chrono::steady_clock::now();
  std::size_t refused = 0;
  for (std::size_t i = 0; i < n; ++i) {
    while (!node.emit_raw(ev, partition_key{std::to_string(i % shards)})) ++refused;
  }
  if (!node.flush(std::chrono::minutes(5))) {
    std::fprintf(stderr, "flush timed out\n");
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto st = node.stats();
  std::printf(
      "events=%zu shards=%u payload=%zuB seconds=%.3f events_per_s=%.0f batches=%llu "
      "failed=%llu\n",
      n, shards, payload.size(), secs, n / secs,
      static_cast<unsigned long long>(st.batches_dispatched),
      static_cast<unsigned long long>(st.dispatch_failed));
  (void)node.shutdown();
  return st.dispatch_failed == 0 ? 0 : 1;
}
