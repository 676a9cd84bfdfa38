#pragma once
// The live feed behind the web view: the last N Signals (encoded JSON) in a ring, and every
// open page as a Server-Sent Events stream (catalog::event_stream). A new page first gets a
// `hello` event, then the ring's backlog, then each Signal as it arrives:
//
//   event: hello            data: {"namespace":"dev","broker_url":"cosmo://...",...}
//   data: {"v":"1","id":"evt_...","type":"REGISTER",...}      (one per Signal)
//   : ping                  (keep-alive comment)
//
// Bounded twice: the ring holds at most `capacity` Signals, and a page whose stream falls
// more than its queue limit behind is cut off (counted) and reconnects on its own
// (EventSource does), so a stalled browser never grows the node.
//
// Thread-safety: every function may be called from any thread (one mutex).

#include "neuromesh/catalog/http_message.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::node {

struct feed_stats {
  std::uint64_t published = 0;    ///< Signals appended
  std::uint64_t subscribers = 0;  ///< open pages now
  std::uint64_t opened = 0;       ///< pages ever subscribed
  std::uint64_t cut_off = 0;      ///< pages dropped as slow consumers
};

class signal_feed {
 public:
  explicit signal_feed(std::size_t capacity = 10'000,
                       std::size_t max_queued_bytes = std::size_t{16} << 20);

  /// Appends one encoded Signal and sends it to every open page.
  void publish(std::string_view signal_json);
  /// A new page: hello event, then at most backlog recent Signals, then live ones.
  std::shared_ptr<catalog::event_stream> subscribe(std::string_view hello_json,
                                                   std::size_t backlog);
  /// A keep-alive comment to every page (also notices closed ones).
  void ping();
  /// Ends every stream (the node is stopping).
  void close_all();

  feed_stats stats() const;
  /// The most recent Signals, oldest first (at most n).
  std::vector<std::string> recent(std::size_t n) const;

 private:
  void prune_locked();

  mutable std::mutex mu_;
  std::size_t capacity_;
  std::size_t max_queued_;
  std::deque<std::string> ring_;
  std::vector<std::shared_ptr<catalog::event_stream>> pages_;
  feed_stats stats_;
};

}  // namespace neuromesh::node
