#pragma once
// The recall semantics shared by every backend: a query turned into what to look for, the
// test of one entry, and the final ordering (score, then newest first).

#include "neuromesh/runtime/engram.h"

#include <optional>
#include <string>
#include <vector>

namespace neuromesh::runtime::detail {

struct recall_plan {
  /// query.text in python_dumps form, lower-cased (dumps_needle); absent for no/empty text.
  std::optional<std::string> needle;
  std::size_t needle_length = 0;  ///< characters of the needle
  std::vector<std::string> tags;  ///< filters.tags plus query.tag, each once
};

/// invalid_argument when query.text is not valid UTF-8.
engram_result<recall_plan> plan_recall(const recall_query& q);

/// The score of e under q (hay: python_dumps(e.content), lower-cased), or nullopt when it
/// does not match.
std::optional<double> match(const recall_plan& plan, const recall_query& q, const entry& e,
                            std::string_view hay);

/// score = needle characters / hay characters (1.0 without text).
double text_score(const recall_plan& plan, std::size_t hay_length) noexcept;

/// Sorted by score, then updated_at, newest first, then id; cut to top_k (truncated when cut).
recall_hits rank(std::vector<hit> hits, std::size_t top_k);

}  // namespace neuromesh::runtime::detail
