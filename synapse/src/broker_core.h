#pragma once
// The cosmo:// broker's protocol logic without I/O (reference/cosmonapse.md §3.4): fed
// complete lines per session, it answers through a sink. The Asio shell (broker_server.cc)
// owns sockets, framing and queues; this class owns sessions' subscriptions, namespaces
// and routing, and is tested without sockets (tests/broker_core_test.cc).
//
// Output lines are byte-identical to Python's json.dumps(..., separators=(",",":")):
// `msg` keys in the order op, subject, frame, sub_id. A frame is forwarded as the string it
// arrived as (re-escaped the Python way, never parsed as a Signal).

#include "neuromesh/synapse/broker_server.h"
#include "subject_index.h"

#include <boost/json/value.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace neuromesh::synapse::detail {

using session_id = std::uint64_t;

/// One output line: head (may be empty; the part common to a fan-out) followed by tail,
/// which ends in '\n'. Both views are valid only during broker_sink::send: the sink copies
/// the bytes into the destination's outbound buffer (one memcpy, no allocation per line).
struct out_line {
  std::string_view head;
  std::string_view tail;
  std::size_t size() const noexcept { return head.size() + tail.size(); }
  std::string str() const { return std::string(head) + std::string(tail); }
};

class broker_sink {
 public:
  virtual ~broker_sink() = default;
  /// Queues one line for a session (unknown or closed sessions: ignored).
  virtual void send(session_id to, out_line line) = 0;
  /// Every accepted pub, before fan-out.
  virtual void on_signal(std::string_view /*subject*/, std::string_view /*frame*/) {}
  /// A session answered a broker ping ({"op":"pong"}; no reply is sent).
  virtual void on_pong(session_id /*id*/) {}
};

class broker_core {
 public:
  /// now_iso returns the current UTC time as Python's datetime.isoformat() writes it
  /// (2026-05-16T14:22:01.391234+00:00); injected for tests.
  explicit broker_core(broker_sink& sink, std::function<std::string()> now_iso = {});

  /// A new connection: sends {"op":"welcome"}.
  void open_session(session_id id);
  /// Drops the session's subscriptions and the namespaces it registered.
  void close_session(session_id id);
  /// One complete line (without '\n') from a session.
  void handle_line(session_id id, std::string_view line);
  /// The framer skipped a line longer than limit bytes.
  void line_too_long(session_id id, std::size_t limit);

  broker_stats stats() const noexcept;
  std::size_t session_count() const noexcept { return sessions_.size(); }
  /// Whether broker_sink::on_signal is called (off: pubs take the fast path even when
  /// their frame has escapes, since nobody needs the decoded frame).
  void set_observe_signals(bool on) noexcept { observe_signals_ = on; }
  /// Test hook: off makes every pub take the full JSON parse (the fast path must agree).
  void set_fast_path(bool on) noexcept { fast_path_ = on; }
  /// Subscriptions per session beyond this get an `err` (0 = unlimited).
  void set_max_subscriptions(std::size_t n) noexcept { max_subs_ = n; }
  /// Counts a session closed by the shell because its outbound queue overflowed.
  void count_slow_consumer() noexcept { slow_consumers_.fetch_add(1, std::memory_order_relaxed); }

  /// Python's datetime.now(timezone.utc).isoformat().
  static std::string utc_now_iso();

 private:
  struct sub {
    std::string sub_id_json;  // the sub_id exactly as it is echoed (usually a quoted string)
    std::string tail;         // sub_id_json + "}\n": the per-subscriber end of a msg line
    std::string pattern;
    std::optional<std::string> group;  // group key; null = Doppler
    std::uint64_t key = 0;             // index key: (session << 32) | insertion number
    std::uint32_t group_id = 0;        // interned group; 0 = none
  };
  struct session {
    // By sub_id; delivery order (the reference's dict order) is the index key's order.
    std::unordered_map<std::string, sub> subs;
    std::uint32_t next_sub = 0;
  };
  struct ns_info {
    std::string name;
    std::string transport_json;
    std::string started_at;
    std::uint64_t signal_count = 0;
    session_id owner = 0;
  };

  void send_text(session_id to, std::string text);
  void send_err(session_id to, std::string_view message);
  void op_pub(session_id id, const boost::json::object& msg);
  bool try_fast_pub(std::string_view line);
  void op_sub(session_id id, const boost::json::object& msg);
  void op_unsub(session_id id, const boost::json::object& msg);
  void op_ns_register(session_id id, const boost::json::object& msg);
  void op_mgmt_list(session_id id);
  void op_mgmt_info(session_id id, const boost::json::object& msg);
  void op_mgmt_stop(session_id id, const boost::json::object& msg);
  void route(std::string_view subject, std::string_view frame_json, std::string_view frame);
  ns_info* find_ns(std::string_view name);

  broker_sink& sink_;
  std::function<std::string()> now_iso_;
  std::map<session_id, session> sessions_;  // ordered: deterministic fan-out order
  std::vector<ns_info> namespaces_;         // registration order, like the reference's dict
  subject_index index_;
  std::unordered_map<std::string, std::uint32_t> group_ids_;          // interned group names
  std::vector<std::uint64_t> rr_ = std::vector<std::uint64_t>(1, 0);  // by group id (0 unused)

  std::string head_;  // scratch: the shared part of a msg line

  std::atomic<std::uint64_t> sessions_opened_{0}, sessions_closed_{0}, lines_{0}, published_{0},
      delivered_{0}, bad_json_{0}, unknown_ops_{0}, missing_fields_{0}, lines_too_long_{0},
      slow_consumers_{0}, subs_rejected_{0}, subscriptions_{0};
  std::size_t max_subs_ = 0;
  bool observe_signals_ = true;
  bool fast_path_ = true;
};

}  // namespace neuromesh::synapse::detail
