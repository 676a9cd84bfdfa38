#pragma once
// Competitive bidding (reference/cosmonapse.md §4.9): which BID wins an offer. Sans-I/O:
// fed BIDs and the deadline, it says whom to award and whom to decline; the dendrite does the
// publishing. Better than the reference: under first_bid every later bidder is declined
// (the Python SDK left them without an answer).

#include "neuromesh/protocol/signal.h"

#include <optional>
#include <string_view>
#include <vector>

namespace neuromesh::runtime {

enum class select_policy { first_bid, lowest_cost, highest_confidence };
/// "first_bid" / "lowest_cost" / "highest_confidence"; throws usage_error otherwise.
select_policy parse_select(std::string_view s);
std::string_view to_string(select_policy p) noexcept;

class bid_selection {
 public:
  explicit bid_selection(select_policy p) : policy_(p) {}

  enum class action {
    hold,     ///< keep it until the deadline
    award,    ///< award this bid now (first_bid)
    decline,  ///< decline this bid now (the offer is already decided)
  };
  action on_bid(const protocol::signal& bid);

  struct decision {
    std::optional<protocol::signal> winner;  ///< nullopt: no bids (or already awarded)
    std::vector<protocol::signal> losers;    ///< to decline, in arrival order
  };
  /// The deadline passed: picks the winner among held bids (min cost, missing = +inf; max
  /// confidence, missing = -inf; ties go to the earliest). Afterwards every BID is declined.
  decision on_deadline();

  bool decided() const noexcept { return decided_; }
  select_policy policy() const noexcept { return policy_; }

 private:
  select_policy policy_;
  bool decided_ = false;
  std::vector<protocol::signal> held_;
};

/// payload.cost / payload.confidence of a BID, when they are numbers.
std::optional<double> bid_number(const protocol::signal& bid, std::string_view key);

}  // namespace neuromesh::runtime
