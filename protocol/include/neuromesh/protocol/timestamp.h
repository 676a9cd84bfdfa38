#pragma once
// The envelope timestamp (reference §1.4). Produced as UTC at microsecond resolution and
// written as YYYY-MM-DDTHH:MM:SS[.ffffff]Z (6 digits, none when the microseconds are 0).
// Decoding keeps what the reference keeps: a non-UTC offset is written back as given, a naive
// time stays naive.

#include <chrono>
#include <optional>
#include <string>

namespace neuromesh::protocol {

class timestamp {
 public:
  using clock = std::chrono::system_clock;
  using time_point = std::chrono::time_point<clock, std::chrono::microseconds>;

  timestamp() = default;
  explicit timestamp(time_point utc) : tp_(utc) {}
  static timestamp now();

  /// The instant (local wall time for a naive value, as Python would compare it).
  time_point utc() const noexcept { return tp_; }
  /// Offset from UTC in minutes as written; nullopt for a naive time.
  std::optional<int> offset_minutes() const noexcept { return offset_; }

  /// Wire form as pydantic writes it.
  std::string to_string() const;

  friend bool operator==(const timestamp&, const timestamp&) = default;

 private:
  friend struct timestamp_access;
  time_point tp_{};                // wall-clock value in the written zone, converted to UTC
  std::optional<int> offset_ = 0;  // 0 = "Z"
};

}  // namespace neuromesh::protocol
