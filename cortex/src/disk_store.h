#pragma once
// The disk mirror of one persistent RedEX file: append-only `idx` (20-byte index_records),
// `dat` (payload bytes) and `ts` (u64 LE unix nanos per record) in one directory.
//
// Write order is dat → idx → ts for every append (one write() per file per append or
// batch), so a crash can only leave dat longer than idx references, a partial idx record,
// or ts shorter than idx. open() repairs exactly those cases (truncating, and fsyncing the
// truncation), and refuses with errc::corrupt a file whose damage is followed by intact
// records, since truncating it would lose good data.

#include "neuromesh/cortex/index_record.h"
#include "neuromesh/cortex/redex_config.h"

#include <boost/system/result.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace neuromesh::cortex::detail {

struct recovered_record {
  std::uint64_t seq;
  std::uint64_t ts_ns;
  std::uint32_t flags;
  std::string payload;
};

struct recovery {
  std::vector<recovered_record> records;
  /// Index records dropped as a torn tail.
  std::uint64_t truncated = 0;
};

/// Reads and repairs the three files in dir (creating them when absent); throws
/// redex_error(errc::corrupt / errc::io_error) naming the file and record. `repair` = false
/// only inspects (used by tests and read-only tools).
recovery recover_files(const std::filesystem::path& dir, bool repair = true);

/// One record to write: seq, timestamp, flags and payload.
struct pending_record {
  std::uint64_t seq;
  std::uint64_t ts_ns;
  std::uint32_t flags;
  std::string_view payload;
};

class disk_store {
 public:
  /// Opens the files for appending after recover_files(); dat_size is the repaired dat length.
  disk_store(const std::filesystem::path& dir, fsync_policy policy);
  ~disk_store();
  disk_store(const disk_store&) = delete;
  disk_store& operator=(const disk_store&) = delete;

  /// Writes the records (dat, then idx, then ts); fsyncs when the policy says so.
  /// Called with the file's append mutex held. errc::io_error, errc::log_full.
  boost::system::result<void> append(std::span<const pending_record> records);
  boost::system::result<void> sync();
  /// Stops the interval thread, fsyncs and closes. Idempotent.
  boost::system::result<void> close();
  std::uint64_t fsyncs() const noexcept { return fsyncs_.load(); }

 private:
  void interval_loop();
  boost::system::result<void> sync_locked();

  std::filesystem::path dir_;
  fsync_policy policy_;
  int dat_fd_ = -1, idx_fd_ = -1, ts_fd_ = -1;
  std::uint64_t dat_size_ = 0;
  std::uint64_t unsynced_ = 0;
  std::atomic<std::uint64_t> fsyncs_{0};
  std::atomic<bool> dirty_{false};
  std::mutex sync_mu_;  // taken by sync(); never while the interval thread waits
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread interval_;
  std::vector<char> scratch_;
};

}  // namespace neuromesh::cortex::detail
