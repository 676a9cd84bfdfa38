#pragma once
// An exclusive lock on the node's data folder, so two `neuromesh up` never share one store:
// flock(2) on <dir>/LOCK, which also holds the owner's pid for the error message. The lock
// goes away with the process, even after kill -9, so a restart never finds a stale lock.

#include <filesystem>
#include <stdexcept>

namespace neuromesh::node {

class data_dir_lock {
 public:
  /// Creates the folder if missing and locks it. Throws std::runtime_error with one line:
  /// "data folder X is in use by another `neuromesh up` (pid N)" or why it cannot be made.
  explicit data_dir_lock(const std::filesystem::path& dir);
  ~data_dir_lock();
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace neuromesh::node
