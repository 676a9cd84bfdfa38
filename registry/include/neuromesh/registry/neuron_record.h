#pragma once
// NeuronRecord: the live view of one Neuron a namespace has seen (reference §7.1).

#include "neuromesh/registry/iso_time.h"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::registry {

/// Status words the reference documents. Any other string (a HEARTBEAT's status, e.g. "ok")
/// is stored as given, as the reference does; only "deregistered" is hidden by list().
namespace status {
inline constexpr std::string_view registered = "registered";
inline constexpr std::string_view draining = "draining";
inline constexpr std::string_view deregistered = "deregistered";
}  // namespace status

struct neuron_record {
  std::string neuron_id;
  std::vector<std::string> capabilities;
  std::optional<std::string> version;
  std::string status{status::registered};
  std::optional<time_point> last_heartbeat;
  time_point registered_at = now_utc();

  /// The Python SDK's `to_dict()`: keys neuron_id, capabilities, version, status,
  /// last_heartbeat, registered_at; timestamps as format_iso8601 strings, absent ones null.
  boost::json::object to_dict() const;

  /// True when capabilities contains capability (exact string match, as the reference).
  bool has_capability(std::string_view capability) const noexcept;

  friend bool operator==(const neuron_record&, const neuron_record&) = default;
};

}  // namespace neuromesh::registry
