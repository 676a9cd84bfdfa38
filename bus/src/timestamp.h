#pragma once
// The clock behind insertion timestamps. Reading steady_clock costs ~20 ns through the vDSO,
// most of the ingest budget, so on x86-64 we read the TSC and scale it with a factor
// calibrated once against steady_clock. Values are nanoseconds since an arbitrary origin;
// per-shard monotonicity is the shard's job (it keeps max(now, last + 1)).

#include <cstdint>

namespace neuromesh::bus::detail {

std::uint64_t now_ns() noexcept;

}  // namespace neuromesh::bus::detail
