#pragma once
// Column encodings shared by the SQL backends: times as integer microseconds since the
// epoch, intervals as milliseconds, tools as their JSON text.

#include "neuromesh/catalog/instance.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/result.hpp>

#include <atomic>
#include <cstdint>
#include <future>
#include <string>
#include <vector>

namespace neuromesh::catalog::detail {

inline std::int64_t to_micros(wall_time t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

inline wall_time from_micros(std::int64_t us) {
  return wall_time(std::chrono::duration_cast<wall_clock::duration>(std::chrono::microseconds(us)));
}

inline std::string tools_text(const instance_record& r) { return boost::json::serialize(r.tools); }

/// Tools column back to an array; a damaged column reads as no tools (the next heartbeat
/// answers "refresh" and the client re-sends them) rather than failing the whole load.
inline boost::json::array tools_from_text(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return {};
  return std::move(v.get_array());
}

/// The schema both SQL backends create (table apart from the registry layer's neurons).
inline constexpr const char* instances_table = "catalog_instances";

}  // namespace neuromesh::catalog::detail

namespace neuromesh::catalog::detail {

/// load_all() through a store's writer thread: the read runs as one queued operation; the
/// caller waits for whichever settles it first (the read, or the writer failing the
/// operation). Shared, because the writer may replay or settle it after the caller left.
struct load_state {
  using result = boost::system::result<std::vector<instance_record>>;
  std::promise<result> promise;
  std::atomic<bool> given{false};
  void give(result r) {
    if (!given.exchange(true)) promise.set_value(std::move(r));
  }
};

}  // namespace neuromesh::catalog::detail
