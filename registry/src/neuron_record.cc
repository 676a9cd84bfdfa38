#include "neuromesh/registry/neuron_record.h"

#include <boost/json/array.hpp>

#include <algorithm>

namespace neuromesh::registry {

boost::json::object neuron_record::to_dict() const {
  boost::json::object out;
  out["neuron_id"] = neuron_id;
  boost::json::array caps;
  for (const auto& c : capabilities) caps.emplace_back(c);
  out["capabilities"] = std::move(caps);
  out["version"] = version ? boost::json::value(*version) : boost::json::value(nullptr);
  out["status"] = status;
  out["last_heartbeat"] = last_heartbeat ? boost::json::value(format_iso8601(*last_heartbeat))
                                         : boost::json::value(nullptr);
  out["registered_at"] = format_iso8601(registered_at);
  return out;
}

bool neuron_record::has_capability(std::string_view capability) const noexcept {
  return std::find(capabilities.begin(), capabilities.end(), capability) != capabilities.end();
}

}  // namespace neuromesh::registry
