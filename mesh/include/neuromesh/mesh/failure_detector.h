#pragma once
// Peer health from heartbeats (Net failure.rs), sans-I/O: any authenticated packet from a peer
// counts as a heartbeat. A peer silent for `suspect_after` (default two heartbeat intervals,
// 10 s) is Suspected; silent for `fail_after` (the 30 s session timeout) it is Failed. A
// heartbeat makes it Healthy again (a recovery is counted).
//
// Thread-safety: none; owned by the node under its lock.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

namespace neuromesh::mesh {

enum class peer_health { healthy, suspected, failed };

const char* to_string(peer_health h) noexcept;

class failure_detector {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  failure_detector(std::chrono::milliseconds suspect_after, std::chrono::milliseconds fail_after)
      : suspect_after_(suspect_after), fail_after_(fail_after) {}

  /// Records life from peer at now.
  void heartbeat(std::uint64_t peer, time_point now);
  /// Health at now; nullopt for a peer never heard from (or forgotten).
  std::optional<peer_health> status(std::uint64_t peer, time_point now) const;
  void forget(std::uint64_t peer) { last_.erase(peer); }
  std::uint64_t recoveries() const noexcept { return recoveries_; }

 private:
  std::chrono::milliseconds suspect_after_, fail_after_;
  std::map<std::uint64_t, time_point> last_;
  std::uint64_t recoveries_ = 0;
};

}  // namespace neuromesh::mesh
