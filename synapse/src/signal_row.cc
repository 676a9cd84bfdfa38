#include "neuromesh/synapse/signal_row.h"

#include <fmt/format.h>

namespace neuromesh::synapse {

std::string signal_row_header() {
  return fmt::format("{:<12}  {:<20}  {:<30}  {}", "TIME", "TYPE", "TRACE", "DIRECTED");
}

std::string signal_row(const protocol::signal& s) {
  // ts is YYYY-MM-DDTHH:MM:SS[.ffffff]Z: show the time of day to the millisecond.
  std::string ts = s.ts.to_string();
  std::string time = ts.size() >= 19 ? ts.substr(11, 8) : ts;
  if (ts.size() >= 23 && ts[19] == '.') time += ts.substr(19, 4);
  std::string directed = s.directed && s.directed->id ? *s.directed->id : "-";
  return fmt::format("{:<12}  {:<20}  {:<30}  {}", time, protocol::to_string(s.type),
                     s.trace_id.str(), directed);
}

std::string raw_frame_row(std::string_view subject, std::string_view frame) {
  constexpr std::size_t max = 120;
  return fmt::format(
      "{:<12}  {:<20}  {}", "?", subject,
      frame.size() > max ? std::string(frame.substr(0, max)) + "…" : std::string(frame));
}

}  // namespace neuromesh::synapse
