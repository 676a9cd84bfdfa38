#pragma once
// Counters for GET /metrics (Prometheus text format 0.0.4): requests by route and status,
// rate-limit and auth rejections, sweeps. Lock-free: fixed arrays of relaxed atomics.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace neuromesh::catalog::detail {

/// Route templates, the label of requests_total.
enum class route_id : std::uint8_t {
  health,
  metrics,
  instances_list,
  instances_register,
  instance_get,
  instance_delete,
  heartbeat,
  tools_update,
  tools_list,
  tool_get,
  hosts,
  export_superputty,
  export_mobaxterm,
  neurons,
  extension,  ///< answered by the host's service_extension
  unmatched,
  count_
};

std::string_view route_template(route_id r) noexcept;
std::string_view route_method(route_id r) noexcept;

class metrics {
 public:
  void count_request(route_id route, unsigned status) noexcept;
  void count_rate_limited() noexcept { rate_limited_.fetch_add(1, std::memory_order_relaxed); }
  void count_auth_failure() noexcept { auth_failed_.fetch_add(1, std::memory_order_relaxed); }
  void count_store_failure() noexcept { store_failed_.fetch_add(1, std::memory_order_relaxed); }
  void count_sweep(std::size_t marked, std::size_t collected) noexcept;
  void count_view_rebuild() noexcept { view_rebuilds_.fetch_add(1, std::memory_order_relaxed); }

  /// Prometheus exposition text; gauges passed in by the caller.
  std::string render(std::size_t instances_live, std::size_t instances_total) const;

 private:
  static constexpr std::array<unsigned, 13> statuses_{200, 201, 400, 403, 404, 405, 409,
                                                      413, 422, 429, 500, 503, 0};
  static std::size_t status_slot(unsigned status) noexcept;

  std::array<std::array<std::atomic<std::uint64_t>, statuses_.size()>,
             static_cast<std::size_t>(route_id::count_)>
      requests_{};
  std::atomic<std::uint64_t> rate_limited_{0};
  std::atomic<std::uint64_t> auth_failed_{0};
  std::atomic<std::uint64_t> store_failed_{0};
  std::atomic<std::uint64_t> sweeps_{0};
  std::atomic<std::uint64_t> swept_inactive_{0};
  std::atomic<std::uint64_t> garbage_collected_{0};
  std::atomic<std::uint64_t> view_rebuilds_{0};
};

}  // namespace neuromesh::catalog::detail
