#pragma once
// The RedEX manager: one per process (or per data directory), owning named logs. In memory
// by default; given a directory, files opened with persistent = true live in
// <dir>/<channel name>/{idx,dat,ts} (a name "a/b" is the nested directory a/b).
//
//   redex mem;                                   // memory only
//   redex disk("/var/lib/neuromesh/redex");      // persistent files allowed
//   auto f = disk.open_file(channel_name::parse("cortex/tasks"), {.persistent = true});
//
// open_file returns the already-open handle for the same name and an equal configuration and
// throws redex_error(errc::config_mismatch) for a different one; it throws
// redex_error(errc::invalid_config) for persistent without a directory, and errc::io_error or
// errc::corrupt (what() names the file and record) when the files on disk cannot be opened.
// A torn tail (a crash mid-append) is truncated on open, never reported as an error.
//
// One process may write a directory at a time (no file lock, as in Net). Destroying the
// manager closes (and fsyncs) every file it opened. Thread-safe.

#include "neuromesh/cortex/channel_name.h"
#include "neuromesh/cortex/redex_config.h"
#include "neuromesh/cortex/redex_file.h"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace neuromesh::cortex {

class redex {
 public:
  /// Memory only: persistent files are refused.
  redex();
  /// Persistent files go under dir (created on first use).
  explicit redex(std::filesystem::path dir);
  ~redex();
  redex(const redex&) = delete;
  redex& operator=(const redex&) = delete;

  std::shared_ptr<redex_file> open_file(const channel_name& name,
                                        const redex_file_config& config = {});
  /// The open file of that name, or null.
  std::shared_ptr<redex_file> find(const channel_name& name) const;
  std::vector<std::string> open_names() const;
  /// Closes (fsyncs) one file and forgets it; handles still held see errc::closed.
  void close_file(const channel_name& name);
  void close_all();

  const std::optional<std::filesystem::path>& dir() const noexcept { return dir_; }
  /// Where a persistent file of that name keeps idx, dat and ts.
  static std::filesystem::path file_dir(const std::filesystem::path& base,
                                        const channel_name& name);

  /// Reads a persistent log straight from its files without opening it for writing or
  /// repairing anything, so it is safe while another process appends: the live records
  /// (deleted ones and tombstones left out) with seq >= from, stopping before a torn or
  /// still-incomplete tail. Throws redex_error(errc::not_found) when the log does not exist
  /// and errc::corrupt as open_file does.
  static std::vector<redex_event> read_files(const std::filesystem::path& base,
                                             const channel_name& name, std::uint64_t from = 0);

 private:
  std::optional<std::filesystem::path> dir_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<redex_file>> files_;
};

}  // namespace neuromesh::cortex
