#pragma once
// One-line human summaries of Signals for terminal views (`neuromesh tail`, the broker's
// console, `neuromesh synapse view`), like the reference's `prism --tail` table
// (reference/cosmonapse.md §9): time, type, trace, directed.id.

#include "neuromesh/protocol/signal.h"

#include <string>
#include <string_view>

namespace neuromesh::synapse {

/// Column titles matching signal_row().
std::string signal_row_header();
/// "14:22:01.391  AGENT_OUTPUT    trc_01JV…S2T  answerer"
std::string signal_row(const protocol::signal& s);
/// For a frame that is not a valid Signal: the subject and the first bytes of the frame.
std::string raw_frame_row(std::string_view subject, std::string_view frame);

}  // namespace neuromesh::synapse
