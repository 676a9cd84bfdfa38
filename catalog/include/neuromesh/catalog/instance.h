#pragma once
// One catalog instance (reference/runspec-registry.md §3.1) plus the fields the fixes of
// §13–§14 need: a client-declared heartbeat interval, a registration generation, the
// generation of the last explicit deregistration and the time it went inactive.

#include <boost/json/array.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace neuromesh::catalog {

using wall_clock = std::chrono::system_clock;
using wall_time = wall_clock::time_point;

/// Default heartbeat interval when the register body declares none (the reference's 30 s).
inline constexpr std::chrono::seconds default_heartbeat_interval{30};
/// An instance is stale when now - last_seen > stale_factor * heartbeat_interval (§4).
inline constexpr int stale_factor = 3;

struct instance_record {
  std::string instance_id;
  std::string name;
  std::string version;
  std::string host;
  bool active = true;        ///< false after DELETE or a sweep
  wall_time last_seen{};     ///< server clock
  boost::json::array tools;  ///< the last list posted, verbatim
  std::chrono::milliseconds heartbeat_interval{default_heartbeat_interval};
  std::int64_t generation = 0;  ///< registration generation (client-declared or counted)
  std::optional<std::int64_t> deregistered_generation;  ///< generation of the last DELETE
  std::optional<wall_time> inactive_since;  ///< set when active turns false; drives retention
  std::int64_t seq = 0;                     ///< first-registration order; views list in this order

  /// Active and not stale at `now` (staleness is evaluated at read time too).
  bool live_at(wall_time now) const noexcept {
    return active && now - last_seen <= stale_factor * heartbeat_interval;
  }
};

}  // namespace neuromesh::catalog
