#pragma once
// RECALL / IMPRINT Signals onto an Engram and back (reference §2.2, §4.15, §6.2), without any
// transport: a hosting Dendrite hands each inbound Signal to serve_recall / serve_imprint and
// publishes what they return.
//
//   RECALL   {"query":{"text"?,"tag"?,"merge_key"?,"top_k"?},"recall_mode":"first",
//             "filters"?:{"tags"?,"since"?,"until"?},"context_ref"?,"deadline_ms"?,
//             "min_confidence"?}
//   RECALLED {"engram_id":..,"hits":[{"id":..,"entry":{..},"score":..}],"truncated":false,
//             "took_ms":3,"error"?:..}
//   IMPRINT  {"op":"add|append|upsert|merge|delete","entry":{"id"?,"content","tags"?,"meta"?},
//             "merge_key"?}
//   IMPRINTED {"engram_id":..,"op":..,"id"?:"eng_..","version"?:2,"took_ms":1,"error"?:..}
//
// Replies go on the request's trace with parent_id = the request's id and
// directed = {id: engram_id, type: engram_kind, capabilities: []}. Every failure rides the
// reply's `error` (a malformed request names the field; a backend failure reads
// "engram_exception: <cause>"); nothing here throws on outside input.

#include "neuromesh/protocol/signal.h"
#include "neuromesh/runtime/engram.h"

#include <optional>
#include <string>

namespace neuromesh::runtime {

/// A decoded RECALL: the query and how the caller merges replies.
struct recall_request {
  recall_query query;
  std::string recall_mode = "first";  ///< first | merge | all
};

/// RECALL's payload decoded; invalid_argument naming the field otherwise, e.g.
/// "filters.since: not an ISO-8601 time: \"yesterday\"".
engram_result<recall_request> decode_recall(const protocol::raw_object& payload);

/// IMPRINT decoded; imprint_id = s.id, trace_id = s.trace_id.
engram_result<imprint_request> decode_imprint(const protocol::signal& s);

/// Whether directed addresses e: directed.id == engram_id, or (no id) directed.type ==
/// engram_kind.
bool addresses(const engram& e, const std::optional<protocol::directed>& directed) noexcept;

/// Serves a RECALL: nullopt when it does not address e or e.can_serve() declines; otherwise
/// the RECALLED reply (hits, or `error`).
std::optional<protocol::signal> serve_recall(engram& e, const protocol::signal& recall);

/// Serves an IMPRINT: nullopt when it does not address e; otherwise the IMPRINTED reply.
std::optional<protocol::signal> serve_imprint(engram& e, const protocol::signal& imprint);

/// The RECALLED / IMPRINTED payloads of a result (used by serve_* and by tests).
protocol::signal recalled_reply(const engram& e, const protocol::signal& recall,
                                const recall_hits& hits, std::int64_t took_ms);
protocol::signal recalled_error(const engram& e, const protocol::signal& recall, std::string error);
protocol::signal imprinted_reply(const engram& e, const protocol::signal& imprint,
                                 const imprint_receipt& receipt);

}  // namespace neuromesh::runtime
