#include "engram_recall.h"

#include "engram_json.h"

#include <algorithm>

namespace neuromesh::runtime::detail {

engram_result<recall_plan> plan_recall(const recall_query& q) {
  recall_plan plan;
  if (q.text && !q.text->empty()) {
    auto needle = dumps_needle(*q.text);
    if (!needle) return engram_error{engram_errc::invalid_argument, "query.text: not valid UTF-8"};
    plan.needle_length = needle->size();  // ASCII after escaping
    plan.needle = std::move(*needle);
  }
  plan.tags =
      union_tags(q.tags, q.tag ? std::vector<std::string>{*q.tag} : std::vector<std::string>{});
  return plan;
}

double text_score(const recall_plan& plan, std::size_t hay_length) noexcept {
  if (!plan.needle) return 1.0;
  return std::min(1.0, static_cast<double>(plan.needle_length) /
                           static_cast<double>(std::max<std::size_t>(1, hay_length)));
}

std::optional<double> match(const recall_plan& plan, const recall_query& q, const entry& e,
                            std::string_view hay) {
  if (q.merge_key && e.merge_key != q.merge_key) return std::nullopt;
  for (const auto& t : plan.tags)
    if (std::find(e.tags.begin(), e.tags.end(), t) == e.tags.end()) return std::nullopt;
  if (q.since && e.updated_at < *q.since) return std::nullopt;
  if (q.until && e.updated_at > *q.until) return std::nullopt;
  if (plan.needle && hay.find(*plan.needle) == std::string_view::npos) return std::nullopt;
  const double score = text_score(plan, hay.size());
  if (q.min_confidence && score < *q.min_confidence) return std::nullopt;
  return score;
}

recall_hits rank(std::vector<hit> hits, std::size_t top_k) {
  std::sort(hits.begin(), hits.end(), [](const hit& a, const hit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.entry.updated_at != b.entry.updated_at) return a.entry.updated_at > b.entry.updated_at;
    return a.id < b.id;
  });
  recall_hits out;
  if (hits.size() > top_k) {
    hits.resize(top_k);
    out.truncated = true;
  }
  out.hits = std::move(hits);
  return out;
}

}  // namespace neuromesh::runtime::detail
