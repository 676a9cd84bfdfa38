#pragma once
// The Signal envelope: nine fields, in wire order (reference/cosmonapse.md §1.1–§1.2).
//
//   {"v":"1","id":"evt_…","trace_id":"trc_…","parent_id":null,"type":"TASK",
//    "directed":{"id":"answerer","type":null,"capabilities":[]},
//    "ts":"2026-05-16T14:22:01.391234Z","payload":{"input":{"q":"hi"}},"meta":{}}
//
// A Signal is a plain value: copy it, move it, compare it. Payload and meta are kept as
// canonical compact JSON text (raw_object) so that forwarding never re-serialises them and
// integers of any size survive a round trip; parse them on demand with raw_object::to_json().

#include "neuromesh/protocol/ids.h"
#include "neuromesh/protocol/raw_object.h"
#include "neuromesh/protocol/signal_type.h"
#include "neuromesh/protocol/timestamp.h"

#include <optional>
#include <string>
#include <vector>

namespace neuromesh::protocol {

/// The unified addressing object. Precedence on the receiving side: id > type > capabilities.
struct directed {
  std::optional<std::string> id{};          ///< neuron / engram / effector id, or producer identity
  std::optional<std::string> type{};        ///< kind-based routing
  std::vector<std::string> capabilities{};  ///< receiver matches if its caps ⊇ these

  /// True when id and type are empty or absent and capabilities is empty.
  bool empty() const noexcept;
  friend bool operator==(const directed&, const directed&) = default;
};

struct signal {
  std::string v = "1";
  protocol::event_id id = protocol::event_id::generate();
  protocol::trace_id trace_id = protocol::trace_id::generate();
  std::optional<protocol::event_id> parent_id;
  signal_type type = signal_type::task;
  std::optional<protocol::directed> directed;
  timestamp ts = timestamp::now();
  raw_object payload;  ///< defaults to {}
  raw_object meta;     ///< defaults to {}

  friend bool operator==(const signal&, const signal&) = default;
};

}  // namespace neuromesh::protocol
