#pragma once
// The files `neuromesh init` writes: a C++ agent project built against the installed SDK.

#include <string>
#include <vector>

namespace neuromesh::cli {

struct scaffold_file {
  std::string path;  ///< relative to the project folder
  std::string text;
};

/// Every file of a fresh project named name whose agents join namespace ns.
std::vector<scaffold_file> scaffold_files(const std::string& name, const std::string& ns);

}  // namespace neuromesh::cli
