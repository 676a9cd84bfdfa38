#pragma once
// The caller side of Engrams and Effectors (reference §4.15, §6.2): RECALL, IMPRINT and
// TOOL_CALL over a Synapse, replies correlated by parent_id.
//
//   engram_client client(io.get_executor(), bus, "dev");
//   co_await client.async_start();   // subscribes RECALLED, IMPRINTED, TOOL_RESULT, FINAL,
//                                    // ERROR, STOP
//   auto r = co_await client.async_recall({.engram_id = "mem", .query = q,
//                                          .deadline = 500ms});
//
// Modes: "first" returns on the first RECALLED; "merge" and "all" collect every RECALLED until
// the deadline and return the hits merged, highest score first (the reference's "all" is
// "merge" too). No reply before the deadline: engram_errc::timeout. FINAL, ERROR or STOP on
// the call's trace while it waits: engram_errc::cancelled (effector_errc for tools). Without
// a deadline a call waits until its trace ends or the client stops; a waiting coroutine that is
// cancelled (asio cancellation, e.g. a STOPped Neuron) gets cancelled too.
//
// Trace: the given one, else a new one with a parent_id that refers to nothing (as the
// reference outside a task). Thread-safety: call from coroutines on the client's executor.

#include "neuromesh/protocol/signal.h"
#include "neuromesh/runtime/effector.h"
#include "neuromesh/runtime/engram.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace neuromesh::synapse {
class synapse;
}

namespace neuromesh::runtime {

/// Who a call addresses and on which trace.
struct call_target {
  std::optional<std::string> id{};    ///< engram_id / effector_id (wins)
  std::optional<std::string> kind{};  ///< engram_kind / effector_kind
  std::optional<protocol::trace_id> trace{};
  std::optional<protocol::event_id> parent{};
  std::optional<std::chrono::milliseconds> deadline{};
};

struct recall_call {
  call_target target{};
  boost::json::object query{};
  std::optional<boost::json::object> filters{};
  std::string recall_mode{};  ///< first (when empty), merge or all
  std::optional<std::string> context_ref{};
  std::optional<double> min_confidence{};
};

struct imprint_call {
  call_target target{};
  std::string op = "append";
  boost::json::object entry{};
  std::optional<std::string> merge_key{};
  bool await_ack = false;
};

struct tool_call_request {
  call_target target{};
  std::string tool{};
  boost::json::object args{};
  std::optional<std::string> call_id{};
};

class engram_client {
 public:
  engram_client(boost::asio::any_io_executor ex, synapse::synapse& bus, std::string ns);
  ~engram_client();
  engram_client(const engram_client&) = delete;
  engram_client& operator=(const engram_client&) = delete;

  boost::asio::awaitable<boost::system::error_code> async_start();
  /// Wakes every waiting call with cancelled and unsubscribes.
  boost::asio::awaitable<void> async_stop();

  /// invalid_argument for a bad mode or no target (nothing is sent). When every reply carried
  /// `error`: the first of them, as overloaded ("engram_overloaded: ...", a host shedding
  /// load) or backend_error.
  boost::asio::awaitable<engram_result<recall_result>> async_recall(recall_call c);
  /// Without await_ack: publishes and returns nullopt. With it: the receipt (a receipt
  /// error stays in the receipt), or timeout / cancelled.
  boost::asio::awaitable<engram_result<std::optional<imprint_receipt>>> async_imprint(
      imprint_call c);
  /// The TOOL_RESULT as an outcome (a tool failure stays in outcome.error); errors are
  /// effector_errc::timeout / cancelled.
  boost::asio::awaitable<engram_result<tool_outcome>> async_call_tool(tool_call_request c);

  struct state;  ///< opaque

 private:
  std::shared_ptr<state> state_;
};

}  // namespace neuromesh::runtime
