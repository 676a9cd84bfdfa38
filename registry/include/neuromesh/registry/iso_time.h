#pragma once
// ISO-8601 timestamps as the Python SDK stores them (reference §7.3).
//
// Written form is Python's `datetime.isoformat()` of an aware UTC datetime:
//   2026-01-01T12:00:00+00:00            (microseconds 0: no fraction)
//   2026-01-01T12:00:00.123456+00:00     (otherwise exactly 6 digits)
// Parsing accepts what `datetime.fromisoformat` (Python 3.11) reads from a store and what
// PostgreSQL prints for TIMESTAMPTZ: 'T' or ' ' between date and time, seconds optional,
// a fraction of 1-9 digits (truncated to microseconds), and an offset `Z`, `±HH`, `±HHMM`,
// `±HH:MM` or `±HH:MM:SS`; a naive time is taken as UTC (as the SQLite store does).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace neuromesh::registry {

/// Instants in the registry: UTC, microsecond resolution (Python datetime and TIMESTAMPTZ).
using time_point = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

/// Now, truncated to microseconds.
time_point now_utc() noexcept;

/// `2026-01-01T12:00:00.123456+00:00` (Python isoformat of a UTC datetime).
std::string format_iso8601(time_point tp);

/// The instant text denotes, or nullopt when it is not an ISO-8601 date-time.
std::optional<time_point> parse_iso8601(std::string_view text) noexcept;

}  // namespace neuromesh::registry
