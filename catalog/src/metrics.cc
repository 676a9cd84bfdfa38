#include "metrics.h"

#include <fmt/format.h>

namespace neuromesh::catalog::detail {
namespace {

struct route_label {
  std::string_view method;
  std::string_view path;
};

constexpr std::array<route_label, static_cast<std::size_t>(route_id::count_)> labels{{
    {"GET", "/health"},
    {"GET", "/metrics"},
    {"GET", "/instances"},
    {"POST", "/instances"},
    {"GET", "/instances/{instance_id}"},
    {"DELETE", "/instances/{instance_id}"},
    {"POST", "/instances/{instance_id}/heartbeat"},
    {"POST", "/instances/{instance_id}/tools"},
    {"GET", "/tools"},
    {"GET", "/tools/{tool_name}"},
    {"GET", "/hosts"},
    {"GET", "/export/superputty"},
    {"GET", "/export/mobaxterm"},
    {"GET", "/neurons"},
    {"ANY", "extension"},
    {"ANY", "unmatched"},
}};

}  // namespace

std::string_view route_template(route_id r) noexcept {
  return labels[static_cast<std::size_t>(r)].path;
}
std::string_view route_method(route_id r) noexcept {
  return labels[static_cast<std::size_t>(r)].method;
}

std::size_t metrics::status_slot(unsigned status) noexcept {
  for (std::size_t i = 0; i + 1 < statuses_.size(); ++i) {
    if (statuses_[i] == status) return i;
  }
  return statuses_.size() - 1;  // "other"
}

void metrics::count_request(route_id route, unsigned status) noexcept {
  requests_[static_cast<std::size_t>(route)][status_slot(status)].fetch_add(
      1, std::memory_order_relaxed);
}

void metrics::count_sweep(std::size_t marked, std::size_t collected) noexcept {
  sweeps_.fetch_add(1, std::memory_order_relaxed);
  swept_inactive_.fetch_add(marked, std::memory_order_relaxed);
  garbage_collected_.fetch_add(collected, std::memory_order_relaxed);
}

std::string metrics::render(std::size_t instances_live, std::size_t instances_total) const {
  std::string out;
  auto load = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  out += "# HELP neuromesh_catalog_requests_total HTTP requests by route and status.\n";
  out += "# TYPE neuromesh_catalog_requests_total counter\n";
  for (std::size_t r = 0; r < requests_.size(); ++r) {
    for (std::size_t s = 0; s < statuses_.size(); ++s) {
      auto n = load(requests_[r][s]);
      if (n == 0) continue;
      auto status = statuses_[s] == 0 ? std::string("other") : std::to_string(statuses_[s]);
      out += fmt::format(
          "neuromesh_catalog_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
          labels[r].method, labels[r].path, status, n);
    }
  }
  auto counter = [&](std::string_view name, std::string_view help, std::uint64_t v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, v);
  };
  auto gauge = [&](std::string_view name, std::string_view help, std::uint64_t v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name, help, v);
  };
  gauge("neuromesh_catalog_instances_active", "Instances live now (active and not stale).",
        instances_live);
  gauge("neuromesh_catalog_instances_stored", "Instance records kept, inactive included.",
        instances_total);
  counter("neuromesh_catalog_rate_limited_total", "Requests refused with 429.",
          load(rate_limited_));
  counter("neuromesh_catalog_auth_failures_total", "Writes refused with 403.", load(auth_failed_));
  counter("neuromesh_catalog_store_failures_total", "Writes the store refused (503).",
          load(store_failed_));
  counter("neuromesh_catalog_sweeps_total", "Stale/retention sweeps run.", load(sweeps_));
  counter("neuromesh_catalog_swept_inactive_total", "Instances the sweeps marked inactive.",
          load(swept_inactive_));
  counter("neuromesh_catalog_garbage_collected_total", "Records dropped after --retention.",
          load(garbage_collected_));
  counter("neuromesh_catalog_view_rebuilds_total", "Cached views rebuilt after a change.",
          load(view_rebuilds_));
  return out;
}

}  // namespace neuromesh::catalog::detail
