#pragma once
// Column encodings shared by the SQL backends: times as integer microseconds since the
// epoch, intervals as milliseconds, tools as their JSON text.

#include "neuromesh/catalog/errc.h"
#include "neuromesh/catalog/instance.h"
#include "neuromesh/registry/storage/group_writer.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/result.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
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

/// load_all() through a store's writer thread: read runs as one queued operation (so it sees
/// every write submitted before it); the caller waits for whichever settles it first, the
/// read or the writer failing the operation (errc::store_failed, e.g. when read threw). The
/// state is shared, because the writer may replay or settle it after the caller left.
inline boost::system::result<std::vector<instance_record>> load_on_writer(
    registry::storage::group_writer& writer,
    std::function<boost::system::result<std::vector<instance_record>>()> read) {
  struct state {
    std::promise<boost::system::result<std::vector<instance_record>>> promise;
    std::atomic<bool> given{false};
    void give(boost::system::result<std::vector<instance_record>> r) {
      if (!given.exchange(true)) promise.set_value(std::move(r));
    }
  };
  auto st = std::make_shared<state>();
  auto result = st->promise.get_future();
  writer.submit(
      [st, read = std::move(read)] {
        st->give(read());
        return true;
      },
      [st](bool ok) {
        if (!ok) st->give(errc::store_failed);
      });
  return result.get();
}

}  // namespace neuromesh::catalog::detail
