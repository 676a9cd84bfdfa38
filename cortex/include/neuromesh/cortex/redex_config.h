#pragma once
// How a RedEX file is kept: in memory or on disk, when its disk writes are fsynced, and how
// much of it is retained (Net's RedexFileConfig, FsyncPolicy and retention caps).

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace neuromesh::cortex {

/// When appends reach the disk platter. close() and sync() always fsync, whatever the policy.
///   never        — only on close()/sync(); a crash of the machine loses what the page cache
///                  held (a crash of the process alone loses nothing written).
///   every_n(n)   — the append that makes n unsynced records fsyncs before it returns, so a
///                  returned seq is durable once its group of n is complete; every_n(1) is
///                  "always": every returned seq is durable.
///   interval(d)  — a background thread fsyncs dirty files every d.
struct fsync_policy {
  enum class kind { never, every_n, interval };
  kind mode = kind::never;
  std::uint64_t n = 0;
  std::chrono::milliseconds period{0};

  static fsync_policy never() { return {}; }
  static fsync_policy every_n(std::uint64_t n) { return {kind::every_n, n < 1 ? 1 : n, {}}; }
  static fsync_policy always() { return every_n(1); }
  static fsync_policy interval(std::chrono::milliseconds d) { return {kind::interval, 0, d}; }
  /// "never", "always", "every:N" (N >= 1) or "interval:MS" (MS >= 1); errc::invalid_config.
  static boost::system::result<fsync_policy> parse(std::string_view text);
  std::string str() const;
  friend bool operator==(const fsync_policy&, const fsync_policy&) = default;
};

/// Head records are evicted once any cap is exceeded (checked on every append and by
/// sweep_retention()). bytes counts 20 index bytes plus the payload per record, as Net does.
struct retention {
  std::optional<std::uint64_t> max_events;
  std::optional<std::uint64_t> max_bytes;
  std::optional<std::chrono::nanoseconds> max_age;
  friend bool operator==(const retention&, const retention&) = default;
};

struct redex_file_config {
  /// On disk under the manager's directory (the manager must have one).
  bool persistent = false;
  fsync_policy fsync;
  cortex::retention retention;
  friend bool operator==(const redex_file_config&, const redex_file_config&) = default;
};

}  // namespace neuromesh::cortex
