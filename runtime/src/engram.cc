#include "neuromesh/runtime/engram.h"

#include <boost/throw_exception.hpp>

#include <chrono>

namespace neuromesh::runtime {
namespace {

class engram_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "neuromesh.engram"; }
  std::string message(int value) const override {
    switch (static_cast<engram_errc>(value)) {
      case engram_errc::timeout:
        return "engram deadline passed without a reply";
      case engram_errc::cancelled:
        return "engram call cancelled: the trace ended";
      case engram_errc::not_bound:
        return "no engram bound under that name";
      case engram_errc::overloaded:
        return "engram overloaded";
      case engram_errc::invalid_argument:
        return "invalid engram request";
      case engram_errc::not_connected:
        return "engram not connected";
      case engram_errc::unavailable:
        return "engram store unavailable";
      case engram_errc::read_only:
        return "engram store is read-only";
      case engram_errc::corrupt:
        return "engram database is corrupt or not a database";
      case engram_errc::schema_too_new:
        return "engram database schema is newer than this build";
      case engram_errc::busy:
        return "engram database stayed locked";
      case engram_errc::bad_record:
        return "stored engram entry cannot be decoded";
      case engram_errc::backend_error:
        return "engram database error";
    }
    return "unknown engram error";
  }
};

class effector_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "neuromesh.effector"; }
  std::string message(int value) const override {
    switch (static_cast<effector_errc>(value)) {
      case effector_errc::timeout:
        return "tool call deadline passed without a TOOL_RESULT";
      case effector_errc::cancelled:
        return "tool call cancelled: the trace ended";
      case effector_errc::not_bound:
        return "no effector bound under that name";
      case effector_errc::overloaded:
        return "effector overloaded";
    }
    return "unknown effector error";
  }
};

}  // namespace

const boost::system::error_category& engram_category() noexcept {
  static const engram_category_impl instance;
  return instance;
}

const boost::system::error_category& effector_category() noexcept {
  static const effector_category_impl instance;
  return instance;
}

void throw_exception_from_error(const engram_error& e, const boost::source_location& loc) {
  boost::throw_exception(engram_exception(e), loc);
}

std::string_view to_string(imprint_op op) noexcept {
  switch (op) {
    case imprint_op::add:
      return "add";
    case imprint_op::append:
      return "append";
    case imprint_op::upsert:
      return "upsert";
    case imprint_op::merge:
      return "merge";
    case imprint_op::remove:
      return "delete";
  }
  return "add";
}

std::optional<imprint_op> imprint_op_from_string(std::string_view s) noexcept {
  for (auto op : {imprint_op::add, imprint_op::append, imprint_op::upsert, imprint_op::merge,
                  imprint_op::remove})
    if (to_string(op) == s) return op;
  return std::nullopt;
}

boost::json::object entry::to_json() const {
  boost::json::object o;
  o["id"] = id;
  o["content"] = content;
  boost::json::array t;
  for (const auto& tag : tags) t.emplace_back(tag);
  o["tags"] = std::move(t);
  o["version"] = version;
  o["created_at"] = registry::format_iso8601(created_at);
  o["updated_at"] = registry::format_iso8601(updated_at);
  if (merge_key) o["merge_key"] = *merge_key;
  if (!meta.empty()) o["meta"] = meta;
  return o;
}

boost::json::object hit::to_json() const {
  boost::json::object o;
  o["id"] = id;
  o["entry"] = entry.to_json();
  o["score"] = score;
  return o;
}

engram_result<void> engram_binding::check() const {
  if ((!directed_id || directed_id->empty()) && (!directed_type || directed_type->empty()))
    return engram_error{engram_errc::invalid_argument,
                        "engram binding '" + name +
                            "' needs directed_id (engram_id) or directed_type (engram_kind)"};
  if (default_recall_mode != "first" && default_recall_mode != "merge" &&
      default_recall_mode != "all")
    return engram_error{engram_errc::invalid_argument, "engram binding '" + name +
                                                           "': recall mode must be first, merge or "
                                                           "all, got '" +
                                                           default_recall_mode + "'"};
  return {};
}

bool engram::can_serve(const recall_query&) const { return true; }

engram_result<recall_hits> engram::recall(const recall_query& q) {
  if (q.top_k > max_top_k) {
    count_rejected();
    return engram_error{
        engram_errc::invalid_argument,
        "query.top_k: at most " + std::to_string(max_top_k) + ", got " + std::to_string(q.top_k)};
  }
  return do_recall(q);
}

engram_result<imprint_receipt> engram::imprint(const imprint_request& r) {
  const auto start = std::chrono::steady_clock::now();
  engram_result<imprint_receipt> out;
  if ((r.op == imprint_op::upsert || r.op == imprint_op::merge) &&
      (!r.merge_key || r.merge_key->empty())) {
    imprint_receipt receipt;
    receipt.engram_id = engram_id();
    receipt.op = r.op;
    receipt.error = std::string(to_string(r.op)) + " requires merge_key";
    out = receipt;
  } else {
    out = do_imprint(r);
  }
  if (out && !out->took_ms)
    out->took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  return out;
}

}  // namespace neuromesh::runtime
