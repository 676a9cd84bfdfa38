#pragma once
// A fresh folder under the system temp folder, removed with everything in it on destruction.

#include <cstdlib>
#include <filesystem>
#include <string>

namespace neuromesh::testing {

class temp_dir {
 public:
  /// The folder is named `<prefix>_XXXXXX` (mkdtemp); aborts if it cannot be made.
  explicit temp_dir(const std::string& prefix = "nm") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace neuromesh::testing
