#pragma once
// Rendering of the read views (§3): instance records, tools grouped by name with per-host
// execution metadata (§3.2, plus x-autonomy and the other safety keys kept), hosts.

#include "instance_table.h"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace neuromesh::catalog::detail {

/// §3.1 shape: instance_id, name, version, host, active, last_seen, tools.
boost::json::object instance_json(const instance_record& r, wall_time now);

/// Seconds since the epoch as the reference's time.time() float.
double epoch_seconds(wall_time t);

/// Groups the tools of `selected` (in order) by name.
tool_view group_tools(const std::vector<const instance_record*>& selected);

std::vector<host_entry> collect_hosts(const std::vector<const instance_record*>& selected);

}  // namespace neuromesh::catalog::detail
