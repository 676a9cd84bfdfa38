#include "neuromesh/runtime/bidding.h"

#include "neuromesh/runtime/errors.h"

#include <boost/json/parse.hpp>

#include <limits>
#include <string>

namespace neuromesh::runtime {

select_policy parse_select(std::string_view s) {
  if (s == "first_bid") return select_policy::first_bid;
  if (s == "lowest_cost") return select_policy::lowest_cost;
  if (s == "highest_confidence") return select_policy::highest_confidence;
  throw usage_error("select must be first_bid, lowest_cost or highest_confidence, got '" +
                    std::string(s) + "'");
}

std::string_view to_string(select_policy p) noexcept {
  switch (p) {
    case select_policy::first_bid:
      return "first_bid";
    case select_policy::lowest_cost:
      return "lowest_cost";
    case select_policy::highest_confidence:
      return "highest_confidence";
  }
  return "first_bid";
}

std::optional<double> bid_number(const protocol::signal& bid, std::string_view key) {
  auto text = bid.payload.find(key);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec || !v.is_number()) return std::nullopt;
  return v.to_number<double>();
}

bid_selection::action bid_selection::on_bid(const protocol::signal& bid) {
  if (decided_) return action::decline;
  if (policy_ == select_policy::first_bid) {
    decided_ = true;
    return action::award;
  }
  held_.push_back(bid);
  return action::hold;
}

bid_selection::decision bid_selection::on_deadline() {
  decision d;
  if (decided_) return d;
  decided_ = true;
  if (held_.empty()) return d;
  std::size_t best = 0;
  auto score = [&](const protocol::signal& b) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (policy_ == select_policy::lowest_cost) return -bid_number(b, "cost").value_or(inf);
    return bid_number(b, "confidence").value_or(-inf);
  };
  for (std::size_t i = 1; i < held_.size(); ++i)
    if (score(held_[i]) > score(held_[best])) best = i;
  for (std::size_t i = 0; i < held_.size(); ++i) {
    if (i == best)
      d.winner = std::move(held_[i]);
    else
      d.losers.push_back(std::move(held_[i]));
  }
  held_.clear();
  return d;
}

}  // namespace neuromesh::runtime
