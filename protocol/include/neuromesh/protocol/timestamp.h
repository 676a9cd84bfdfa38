#pragma once
// The envelope timestamp (reference §1.4). Produced as UTC at microsecond resolution and
// written as YYYY-MM-DDTHH:MM:SS[.ffffff]Z (6 digits, none when the microseconds are 0).
// Decoding keeps what the reference keeps: a non-UTC offset is written back as given, a naive
// time stays naive.
//
// parse() accepts what pydantic-core (speedate) accepts for a datetime field:
//   2026-05-16T14:22:01.391234Z   separator T, t, space or _; seconds optional; 1+ fraction
//                                 digits after . or , (truncated, never rounded, to 6)
//   zone Z, z, +HH:MM, -HH:MM, +HHMM (+00:00 / -00:00 become Z); none = naive
//   2026-05-16                    date only = naive midnight
//   "1700000000" / "-1.5"         a numeric string is Unix seconds (or ms past 2e10)
// from_unix() takes a JSON number the same way.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace neuromesh::protocol {

class timestamp {
 public:
  using clock = std::chrono::system_clock;
  using time_point = std::chrono::time_point<clock, std::chrono::microseconds>;

  timestamp() = default;
  explicit timestamp(time_point utc) : tp_(utc) {}
  static timestamp now();

  /// Parses a string form; on failure returns nullopt and, if why is given, the reason.
  static std::optional<timestamp> parse(std::string_view text, std::string* why = nullptr);
  /// A JSON number as Unix seconds; values beyond ±2e10 are milliseconds (speedate's rule).
  static std::optional<timestamp> from_unix(double seconds, std::string* why = nullptr);
  static std::optional<timestamp> from_unix(std::int64_t seconds, std::string* why = nullptr);

  /// The instant (local wall time for a naive value, as Python would compare it).
  time_point utc() const noexcept { return tp_; }
  /// Offset from UTC in minutes as written; nullopt for a naive time.
  std::optional<int> offset_minutes() const noexcept { return offset_; }
  /// True for the spec's form: UTC, written with Z.
  bool is_utc() const noexcept { return offset_ == 0; }

  /// Wire form as pydantic writes it.
  std::string to_string() const;
  /// Appends the wire form (unquoted).
  void append_to(std::string& out) const;

  friend bool operator==(const timestamp&, const timestamp&) = default;

 private:
  timestamp(time_point utc, std::optional<int> offset) : tp_(utc), offset_(offset) {}
  time_point tp_{};                // wall-clock value in the written zone, converted to UTC
  std::optional<int> offset_ = 0;  // 0 = "Z"
};

}  // namespace neuromesh::protocol
