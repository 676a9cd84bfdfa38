#pragma once
// JSON-path equality filters with $and / $or / $not, applied to events after retrieval, as
// the reference does (reference/net-mesh.md §2.1). Accepted JSON forms:
//   {"path": "user.name", "value": "Alice"}          equality (dot path; digits index arrays)
//   {"$eq": {"path": "...", "value": ...}}            the same, wrapped
//   {"$and": [f, ...]}   all match (an empty $and matches nothing, as the reference fixed)
//   {"$or":  [f, ...]}   one matches (an empty $or matches nothing)
//   {"$not": f}
// Paths are split once at parse time. Nesting deeper than 128 is rejected.

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::bus {

/// Why a filter document was rejected: the JSON path of the bad element and the reason.
struct filter_error {
  std::string field;
  std::string message;
  std::string what() const { return field + ": " + message; }
};

class filter {
 public:
  static filter eq(std::string_view path, boost::json::value value);
  static filter all_of(std::vector<filter> children);
  static filter any_of(std::vector<filter> children);
  static filter negate(filter child);

  static boost::system::result<filter, filter_error> parse(const boost::json::value& doc);
  static boost::system::result<filter, filter_error> parse_json(std::string_view json_text);

  bool matches(const boost::json::value& event) const;
  boost::json::value to_json() const;

 private:
  enum class kind { eq, all, any, negate };
  kind kind_ = kind::eq;
  std::vector<std::string> path_;
  boost::json::value value_;
  std::vector<filter> children_;
};

}  // namespace neuromesh::bus
