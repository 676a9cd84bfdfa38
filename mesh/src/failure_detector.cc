#include "neuromesh/mesh/failure_detector.h"

namespace neuromesh::mesh {

const char* to_string(peer_health h) noexcept {
  switch (h) {
    case peer_health::healthy:
      return "healthy";
    case peer_health::suspected:
      return "suspected";
    case peer_health::failed:
      return "failed";
  }
  return "unknown";
}

void failure_detector::heartbeat(std::uint64_t peer, time_point now) {
  auto [it, fresh] = last_.try_emplace(peer, now);
  if (!fresh) {
    if (now - it->second >= suspect_after_) ++recoveries_;
    if (now > it->second) it->second = now;
  }
}

std::optional<peer_health> failure_detector::status(std::uint64_t peer, time_point now) const {
  auto it = last_.find(peer);
  if (it == last_.end()) return std::nullopt;
  auto silent = now - it->second;
  if (silent >= fail_after_) return peer_health::failed;
  if (silent >= suspect_after_) return peer_health::suspected;
  return peer_health::healthy;
}

}  // namespace neuromesh::mesh
