#pragma once
// The file reader Effector: read-only access to the files under one folder (the root).
//
//   read  {"path":"notes/a.txt", "max_bytes"?: 65536} -> {"path":..,"size":..,"content":"..",
//                                                        "truncated":false}
//   list  {"path"?:"notes"}                           -> {"path":..,"entries":[{"name":..,
//                                                        "type":"file|dir","size":..}]}
//   stat  {"path":"notes/a.txt"}                      -> {"path":..,"type":..,"size":..}
//
// Paths are relative to the root. An absolute path, a `..` that climbs out, or a symbolic
// link leading outside the root is refused with an error saying so ("read: path
// '../etc/passwd' leaves the root folder"); nothing outside the root is opened. Files are
// read as UTF-8 text (invalid bytes become U+FFFD) up to max_bytes (default 64 KiB, at most
// 1 MiB). Nothing is ever written.

#include "neuromesh/runtime/effector.h"

#include <filesystem>

namespace neuromesh::runtime {

class files_effector final : public effector {
 public:
  /// root must be an existing folder (std::invalid_argument otherwise).
  explicit files_effector(std::filesystem::path root, std::string effector_id = "files",
                          std::string effector_kind = "files");
  tool_outcome call(const tool_call& c) override;

  const std::filesystem::path& root() const noexcept { return root_; }

 private:
  std::filesystem::path root_;  // canonical
};

}  // namespace neuromesh::runtime
