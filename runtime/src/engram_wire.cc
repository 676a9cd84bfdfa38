#include "neuromesh/runtime/engram_wire.h"

#include "json_util.h"
#include "neuromesh/protocol/builders.h"

#include <boost/json/serialize.hpp>

#include <chrono>
#include <cmath>
#include <limits>

namespace neuromesh::runtime {
namespace {

using boost::json::object;
using boost::json::value;

engram_error bad(std::string message) {
  return {engram_errc::invalid_argument, std::move(message)};
}

using detail::shown;

std::string kind_name(const value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "value";
}

engram_error expected(std::string_view field, std::string_view what, const value& got) {
  return bad(std::string(field) + ": expected " + std::string(what) + ", got " + kind_name(got) +
             " " + shown(got));
}

// An optional string field: absent or null -> nullopt.
engram_result<std::optional<std::string>> opt_string(const object& o, std::string_view key,
                                                     std::string_view field) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return expected(field, "string", *v);
  return std::optional<std::string>{std::string(v->get_string())};
}

// A non-negative integer (integral floats accepted, as Python's int() does).
std::optional<std::int64_t> as_count(const value& v) {
  if (v.is_int64()) return v.get_int64() >= 0 ? std::optional(v.get_int64()) : std::nullopt;
  if (v.is_uint64())
    return v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? std::optional(static_cast<std::int64_t>(v.get_uint64()))
               : std::nullopt;
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::isfinite(d) && d >= 0 && d == std::floor(d) && d < 9.2e18)
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

engram_result<std::vector<std::string>> string_list(const value* v, std::string_view field) {
  std::vector<std::string> out;
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return expected(field, "an array of strings", *v);
  std::size_t i = 0;
  for (const auto& item : v->get_array()) {
    if (!item.is_string())
      return expected(std::string(field) + "[" + std::to_string(i) + "]", "string", item);
    out.emplace_back(item.get_string());
    ++i;
  }
  return out;
}

engram_result<std::optional<time_point>> opt_time(const object& o, std::string_view key,
                                                  std::string_view field) {
  auto s = opt_string(o, key, field);
  if (!s) return s.error();
  if (!*s) return std::optional<time_point>{};
  auto tp = registry::parse_iso8601(**s);
  if (!tp) return bad(std::string(field) + ": not an ISO-8601 time: " + shown(value(**s)));
  return std::optional<time_point>{*tp};
}

protocol::directed reply_directed(const engram& e) {
  return protocol::directed{.id = e.engram_id(), .type = e.engram_kind(), .capabilities = {}};
}

protocol::envelope_options reply_to(const engram& e, const protocol::signal& request) {
  return {
      .directed = reply_directed(e), .trace = request.trace_id, .parent = request.id, .meta = {}};
}

}  // namespace

engram_result<recall_request> decode_recall(const protocol::raw_object& payload) {
  const object p = payload.to_json();
  recall_request out;
  const auto* query = p.if_contains("query");
  if (query == nullptr) return bad("query: required");
  if (!query->is_object()) return expected("query", "object", *query);
  const auto& q = query->get_object();
  auto& rq = out.query;
  auto text = opt_string(q, "text", "query.text");
  if (!text) return text.error();
  rq.text = std::move(*text);
  auto tag = opt_string(q, "tag", "query.tag");
  if (!tag) return tag.error();
  rq.tag = std::move(*tag);
  auto merge_key = opt_string(q, "merge_key", "query.merge_key");
  if (!merge_key) return merge_key.error();
  rq.merge_key = std::move(*merge_key);
  if (const auto* top_k = q.if_contains("top_k")) {
    auto n = as_count(*top_k);
    if (!n) return expected("query.top_k", "a non-negative integer", *top_k);
    if (static_cast<std::uint64_t>(*n) > max_top_k)
      return bad("query.top_k: at most " + std::to_string(max_top_k) + ", got " +
                 std::to_string(*n));
    rq.top_k = static_cast<std::size_t>(*n);
  }
  if (const auto* mode = p.if_contains("recall_mode"); mode != nullptr && !mode->is_null()) {
    if (!mode->is_string()) return expected("recall_mode", "first, merge or all", *mode);
    out.recall_mode = std::string(mode->get_string());
    if (out.recall_mode != "first" && out.recall_mode != "merge" && out.recall_mode != "all")
      return expected("recall_mode", "first, merge or all", *mode);
  }
  if (const auto* filters = p.if_contains("filters"); filters != nullptr && !filters->is_null()) {
    if (!filters->is_object()) return expected("filters", "object", *filters);
    const auto& f = filters->get_object();
    auto tags = string_list(f.if_contains("tags"), "filters.tags");
    if (!tags) return tags.error();
    rq.tags = std::move(*tags);
    auto since = opt_time(f, "since", "filters.since");
    if (!since) return since.error();
    rq.since = *since;
    auto until = opt_time(f, "until", "filters.until");
    if (!until) return until.error();
    rq.until = *until;
  }
  auto context_ref = opt_string(p, "context_ref", "context_ref");
  if (!context_ref) return context_ref.error();
  rq.context_ref = std::move(*context_ref);
  if (const auto* d = p.if_contains("deadline_ms"); d != nullptr && !d->is_null()) {
    auto n = as_count(*d);
    if (!n) return expected("deadline_ms", "a non-negative integer", *d);
    rq.deadline = std::chrono::milliseconds(*n);
  }
  if (const auto* mc = p.if_contains("min_confidence"); mc != nullptr && !mc->is_null()) {
    if (!mc->is_number()) return expected("min_confidence", "number", *mc);
    rq.min_confidence = mc->to_number<double>();
  }
  return out;
}

engram_result<imprint_request> decode_imprint(const protocol::signal& s) {
  const object p = s.payload.to_json();
  imprint_request out;
  const auto* op = p.if_contains("op");
  if (op == nullptr) return bad("op: required");
  if (!op->is_string()) return expected("op", "add, append, upsert, merge or delete", *op);
  auto parsed = imprint_op_from_string(op->get_string());
  if (!parsed) return expected("op", "add, append, upsert, merge or delete", *op);
  out.op = *parsed;
  const auto* e = p.if_contains("entry");
  if (e == nullptr) return bad("entry: required");
  if (!e->is_object()) return expected("entry", "object", *e);
  const auto& entry = e->get_object();
  auto id = opt_string(entry, "id", "entry.id");
  if (!id) return id.error();
  out.id = std::move(*id);
  if (const auto* content = entry.if_contains("content")) out.content = *content;
  auto tags = string_list(entry.if_contains("tags"), "entry.tags");
  if (!tags) return tags.error();
  out.tags = std::move(*tags);
  if (const auto* meta = entry.if_contains("meta"); meta != nullptr && !meta->is_null()) {
    if (!meta->is_object()) return expected("entry.meta", "object", *meta);
    out.meta = meta->get_object();
  }
  auto merge_key = opt_string(p, "merge_key", "merge_key");
  if (!merge_key) return merge_key.error();
  out.merge_key = std::move(*merge_key);
  if ((out.op == imprint_op::upsert || out.op == imprint_op::merge) &&
      (!out.merge_key || out.merge_key->empty()))
    return bad("merge_key: required (a non-empty string) when op is " +
               std::string(to_string(out.op)));
  out.imprint_id = s.id.value;
  out.trace_id = s.trace_id.value;
  return out;
}

bool addresses(const engram& e, const std::optional<protocol::directed>& d) noexcept {
  if (!d) return false;
  if (d->id && !d->id->empty()) return *d->id == e.engram_id();
  return d->type && *d->type == e.engram_kind();
}

protocol::signal recalled_reply(const engram& e, const protocol::signal& recall,
                                const recall_hits& hits, std::int64_t took_ms) {
  protocol::recalled_args a;
  a.engram_id = e.engram_id();
  for (const auto& h : hits.hits) a.hits.push_back(h.to_json());
  a.truncated = hits.truncated;
  a.took_ms = value(took_ms);
  return protocol::recalled_signal(a, reply_to(e, recall));
}

protocol::signal recalled_error(const engram& e, const protocol::signal& recall,
                                std::string error) {
  protocol::recalled_args a;
  a.engram_id = e.engram_id();
  a.error = std::move(error);
  return protocol::recalled_signal(a, reply_to(e, recall));
}

protocol::signal imprinted_reply(const engram& e, const protocol::signal& imprint,
                                 const imprint_receipt& r) {
  protocol::imprinted_args a;
  a.engram_id = r.engram_id.empty() ? e.engram_id() : r.engram_id;
  a.op = std::string(to_string(r.op));
  a.id = r.id;
  a.version = r.version;
  if (r.took_ms) a.took_ms = value(*r.took_ms);
  a.error = r.error;
  return protocol::imprinted_signal(a, reply_to(e, imprint));
}

std::optional<protocol::signal> serve_recall(engram& e, const protocol::signal& recall) {
  if (!addresses(e, recall.directed)) return std::nullopt;
  const auto start = std::chrono::steady_clock::now();
  auto request = decode_recall(recall.payload);
  if (!request) return recalled_error(e, recall, request.error().message);
  if (!e.can_serve(request->query)) return std::nullopt;
  auto hits = e.recall(request->query);
  if (!hits) return recalled_error(e, recall, "engram_exception: " + hits.error().message);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  return recalled_reply(e, recall, *hits, took);
}

std::optional<protocol::signal> serve_imprint(engram& e, const protocol::signal& imprint) {
  if (!addresses(e, imprint.directed)) return std::nullopt;
  auto request = decode_imprint(imprint);
  if (!request) {
    // The op as written when it was a string, so the caller sees what it sent.
    protocol::imprinted_args a;
    a.engram_id = e.engram_id();
    const object p = imprint.payload.to_json();
    if (const auto* op = p.if_contains("op"); op != nullptr && op->is_string())
      a.op = std::string(op->get_string());
    a.error = request.error().message;
    return protocol::imprinted_signal(a, reply_to(e, imprint));
  }
  imprint_receipt receipt;
  receipt.engram_id = e.engram_id();
  auto result = e.imprint(*request);
  if (!result) {
    receipt.op = request->op;
    receipt.error = "engram_exception: " + result.error().message;
    return imprinted_reply(e, imprint, receipt);
  }
  return imprinted_reply(e, imprint, *result);
}

}  // namespace neuromesh::runtime
