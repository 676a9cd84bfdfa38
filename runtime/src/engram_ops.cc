#include "engram_ops.h"

#include "engram_json.h"
#include "neuromesh/protocol/ids.h"

#include <boost/json/value_from.hpp>

namespace neuromesh::runtime::detail {
namespace {

using boost::json::object;
using boost::json::value;

std::string quoted(std::string_view s) { return python_repr(s); }

imprint_receipt receipt(const engram_identity& who, imprint_op op) {
  imprint_receipt out;
  out.engram_id = who.engram_id;
  out.op = op;
  return out;
}

imprint_receipt receipt_error(const engram_identity& who, imprint_op op, std::string error) {
  auto out = receipt(who, op);
  out.error = std::move(error);
  return out;
}

stored_row fresh_row(const imprint_request& r, const engram_identity& who, std::string id) {
  stored_row row;
  row.entry.id = std::move(id);
  row.entry.content = r.content;
  row.entry.tags = r.tags;
  row.entry.meta = r.meta;
  row.entry.merge_key = r.merge_key;
  row.entry.version = 1;
  row.entry.created_at = row.entry.updated_at = registry::now_utc();
  row.engram_kind = who.engram_kind;
  return row;
}

// Journals (when traced) and inserts a row that did not exist.
engram_result<void> insert_journalled(engram_tx& tx, const imprint_request& r,
                                      const stored_row& row) {
  if (r.trace_id) {
    if (auto j = tx.journal(*r.trace_id, {row.entry.id, std::nullopt}); !j) return j;
  }
  return tx.insert(row);
}

engram_result<void> update_journalled(engram_tx& tx, const imprint_request& r,
                                      const stored_row& before, const stored_row& after) {
  if (r.trace_id) {
    if (auto j = tx.journal(*r.trace_id, {before.entry.id, before}); !j) return j;
  }
  return tx.update(after);
}

}  // namespace

std::string new_entry_id() { return protocol::engram_entry_id::generate().value; }

boost::json::object row_to_json(const stored_row& row) {
  object o;
  o["id"] = row.entry.id;
  o["engram_kind"] = row.engram_kind;
  o["merge_key"] = row.entry.merge_key ? value(*row.entry.merge_key) : value(nullptr);
  o["content"] = row.entry.content;
  boost::json::array tags;
  for (const auto& t : row.entry.tags) tags.emplace_back(t);
  o["tags"] = std::move(tags);
  o["meta"] = row.entry.meta;
  o["version"] = row.entry.version;
  o["created_at"] = registry::format_iso8601(row.entry.created_at);
  o["updated_at"] = registry::format_iso8601(row.entry.updated_at);
  o["deleted_at"] = row.deleted_at ? value(registry::format_iso8601(*row.deleted_at)) : value();
  return o;
}

std::optional<stored_row> row_from_json(const boost::json::value& v) {
  const auto* o = v.if_object();
  if (o == nullptr) return std::nullopt;
  stored_row row;
  const auto* id = o->if_contains("id");
  const auto* kind = o->if_contains("engram_kind");
  const auto* tags = o->if_contains("tags");
  const auto* meta = o->if_contains("meta");
  const auto* version = o->if_contains("version");
  const auto* created = o->if_contains("created_at");
  const auto* updated = o->if_contains("updated_at");
  if (id == nullptr || !id->is_string() || kind == nullptr || !kind->is_string() ||
      tags == nullptr || !tags->is_array() || meta == nullptr || !meta->is_object() ||
      version == nullptr || !version->is_int64() || created == nullptr || !created->is_string() ||
      updated == nullptr || !updated->is_string())
    return std::nullopt;
  row.entry.id = id->get_string();
  row.engram_kind = kind->get_string();
  if (const auto* mk = o->if_contains("merge_key"); mk != nullptr && mk->is_string())
    row.entry.merge_key = std::string(mk->get_string());
  if (const auto* c = o->if_contains("content")) row.entry.content = *c;
  for (const auto& t : tags->get_array()) {
    if (!t.is_string()) return std::nullopt;
    row.entry.tags.emplace_back(t.get_string());
  }
  row.entry.meta = meta->get_object();
  row.entry.version = version->get_int64();
  auto c = registry::parse_iso8601(created->get_string());
  auto u = registry::parse_iso8601(updated->get_string());
  if (!c || !u) return std::nullopt;
  row.entry.created_at = *c;
  row.entry.updated_at = *u;
  if (const auto* d = o->if_contains("deleted_at"); d != nullptr && d->is_string()) {
    auto t = registry::parse_iso8601(d->get_string());
    if (!t) return std::nullopt;
    row.deleted_at = *t;
  }
  return row;
}

engram_result<imprint_receipt> apply_imprint(engram_tx& tx, const imprint_request& r,
                                             const engram_identity& who) {
  if (r.imprint_id) {
    auto seen = tx.seen(*r.imprint_id);
    if (!seen) return seen.error();
    if (*seen) {
      // A replay: the first receipt's entry id and the row's version now (as the reference).
      auto out = receipt(who, r.op);
      out.id = **seen;
      auto row = tx.find(**seen);
      if (!row) return row.error();
      if (*row && !(*row)->deleted_at) out.version = (*row)->entry.version;
      return out;
    }
  }
  auto out = receipt(who, r.op);
  switch (r.op) {
    case imprint_op::add: {
      const std::string id = r.id && !r.id->empty() ? *r.id : new_entry_id();
      auto existing = tx.find(id);
      if (!existing) return existing.error();
      if (*existing) return receipt_error(who, r.op, "entry id " + quoted(id) + " already exists");
      auto row = fresh_row(r, who, id);
      if (auto w = insert_journalled(tx, r, row); !w) return w.error();
      out.id = id;
      out.version = 1;
      break;
    }
    case imprint_op::append: {
      std::string id = r.id && !r.id->empty() ? *r.id : new_entry_id();
      for (;;) {
        auto existing = tx.find(id);
        if (!existing) return existing.error();
        if (!*existing) break;
        id = new_entry_id();
      }
      auto row = fresh_row(r, who, id);
      if (auto w = insert_journalled(tx, r, row); !w) return w.error();
      out.id = id;
      out.version = 1;
      break;
    }
    case imprint_op::upsert: {
      auto existing = tx.newest_live(*r.merge_key);
      if (!existing) return existing.error();
      if (*existing) {
        const stored_row& before = **existing;
        stored_row after = before;
        after.entry.content = r.content;
        after.entry.tags = r.tags;
        after.entry.meta = r.meta;
        after.entry.version = before.entry.version + 1;
        after.entry.updated_at = registry::now_utc();
        if (auto w = update_journalled(tx, r, before, after); !w) return w.error();
        out.id = after.entry.id;
        out.version = after.entry.version;
        break;
      }
      const std::string id = r.id && !r.id->empty() ? *r.id : new_entry_id();
      auto clash = tx.find(id);
      if (!clash) return clash.error();
      if (*clash)
        return receipt_error(who, r.op,
                             "entry id " + quoted(id) + " already exists under another merge_key");
      auto row = fresh_row(r, who, id);
      if (auto w = insert_journalled(tx, r, row); !w) return w.error();
      out.id = id;
      out.version = 1;
      break;
    }
    case imprint_op::merge: {
      auto existing = tx.newest_live(*r.merge_key);
      if (!existing) return existing.error();
      if (!*existing)
        return receipt_error(who, r.op, "no entry for merge_key=" + quoted(*r.merge_key));
      const stored_row& before = **existing;
      stored_row after = before;
      after.entry.content = deep_merge(before.entry.content, r.content);
      after.entry.tags = union_tags(before.entry.tags, r.tags);
      auto meta = deep_merge(before.entry.meta, r.meta);
      after.entry.meta = meta.is_object() ? meta.get_object() : boost::json::object();
      after.entry.version = before.entry.version + 1;
      after.entry.updated_at = registry::now_utc();
      if (auto w = update_journalled(tx, r, before, after); !w) return w.error();
      out.id = after.entry.id;
      out.version = after.entry.version;
      break;
    }
    case imprint_op::remove: {
      std::optional<stored_row> target;
      if (r.id && !r.id->empty()) {
        auto found = tx.find(*r.id);
        if (!found) return found.error();
        if (*found && !(*found)->deleted_at) target = std::move(**found);
      } else if (r.merge_key) {
        auto found = tx.newest_live(*r.merge_key);
        if (!found) return found.error();
        target = std::move(*found);
      }
      if (!target) return out;  // nothing to delete: no id, no error
      if (tx.soft_delete()) {
        stored_row after = *target;
        after.deleted_at = registry::now_utc();
        if (auto w = update_journalled(tx, r, *target, after); !w) return w.error();
      } else {
        if (r.trace_id) {
          if (auto j = tx.journal(*r.trace_id, {target->entry.id, *target}); !j) return j.error();
        }
        if (auto w = tx.erase(target->entry.id); !w) return w.error();
      }
      out.id = target->entry.id;
      break;
    }
  }
  if (r.imprint_id && out.id) {
    if (auto m = tx.mark_seen(*r.imprint_id, *out.id); !m) return m.error();
  }
  return out;
}

engram_result<std::size_t> compensate(engram_tx& tx, std::string_view trace_id) {
  auto records = tx.take_journal(trace_id);
  if (!records) return records.error();
  for (const auto& rec : *records) {
    auto now = tx.find(rec.entry_id);
    if (!now) return now.error();
    engram_result<void> w;
    if (!rec.before) {
      if (*now) w = tx.erase(rec.entry_id);
    } else if (*now) {
      w = tx.update(*rec.before);
    } else {
      w = tx.insert(*rec.before);
    }
    if (!w) return w.error();
  }
  return records->size();
}

}  // namespace neuromesh::runtime::detail
