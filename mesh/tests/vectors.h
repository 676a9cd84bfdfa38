#pragma once
// Loads a golden-vector JSON file from mesh/tests/vectors/.

#include "neuromesh/testing/testing.h"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace neuromesh::mesh::test {

inline boost::json::object load_vector(const std::string& name) {
  std::ifstream in(neuromesh::testing::source_path("mesh/tests/vectors/" + name));
  if (!in) throw std::runtime_error("cannot open vector " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str()).as_object();
}

}  // namespace neuromesh::mesh::test
