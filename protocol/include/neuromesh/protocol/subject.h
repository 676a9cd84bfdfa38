#pragma once
// Synapse subjects (reference §3.2): cosmonapse.<ns>.<TYPE>, TASK.routed for
// capability-routed TASKs, NATS wildcards with the reference matcher's exact semantics.

#include "neuromesh/protocol/signal.h"

#include <span>
#include <string>
#include <string_view>

namespace neuromesh::protocol {

/// cosmonapse.<ns>.<TYPE>
std::string subject_for(std::string_view ns, signal_type t);
/// The subject a Signal is published on: TASK.routed for a TASK with no directed.id and
/// non-empty payload.capabilities, else subject_for(ns, s.type).
std::string subject_for(std::string_view ns, const signal& s);
/// cosmonapse.<ns>.>  (what observers subscribe)
std::string namespace_wildcard(std::string_view ns);

/// `*` matches one token, `>` one or more remaining tokens; `cosmonapse.>` does not match
/// `cosmonapse`.
bool subject_matches(std::string_view pattern, std::string_view subject) noexcept;

/// caps:<sorted unique caps joined by ,>
std::string queue_group_for(std::span<const std::string> capabilities);

}  // namespace neuromesh::protocol
