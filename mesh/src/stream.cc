#include "neuromesh/mesh/stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <limits>

namespace neuromesh::mesh {

std::uint64_t stream_sender::credit() const noexcept {
  if (config_.window_bytes == 0) return std::numeric_limits<std::uint64_t>::max();
  std::uint64_t outstanding = bytes_sent_ - consumed_;
  return outstanding >= config_.window_bytes ? 0 : config_.window_bytes - outstanding;
}

result<outgoing_packet*> stream_sender::prepare(std::vector<bytes> events,
                                                clock_type::time_point now) {
  std::uint64_t size = 0;
  for (auto& e : events) size += e.size();
  if (config_.window_bytes != 0 && size > credit()) {
    ++backpressure_;
    return fail(errc::backpressure,
                fmt::format("stream: {} bytes offered, {} bytes of credit", size, credit()));
  }
  bytes_sent_ += size;
  events_ += events.size();
  outgoing_packet p{next_seq_++, std::move(events), size, now, 1};
  if (config_.mode == reliability::reliable) {
    auto [it, _] = unacked_.emplace(p.sequence, std::move(p));
    return &it->second;
  }
  sent_through_[p.sequence] = bytes_sent_;
  scratch_ = std::move(p);
  return &scratch_;
}

void stream_sender::sent_unreliable() { scratch_.events.clear(); }

void stream_sender::on_window(const stream_window& w) {
  ++grants_;
  // Absolute and monotonic: an old grant arriving late changes nothing; a claim beyond what
  // was sent is clamped (a confused or hostile peer cannot mint credit).
  if (w.total_consumed > consumed_) consumed_ = std::min(w.total_consumed, bytes_sent_);
  unacked_.erase(unacked_.begin(), unacked_.lower_bound(w.ack_seq));
  auto settled = sent_through_.lower_bound(w.ack_seq);
  if (settled != sent_through_.begin()) {
    consumed_ = std::max(consumed_, std::prev(settled)->second);
    sent_through_.erase(sent_through_.begin(), settled);
  }
}

std::vector<outgoing_packet*> stream_sender::on_nack(const stream_nack& n,
                                                     clock_type::time_point now) {
  ++nacks_;
  std::vector<outgoing_packet*> out;
  // Everything below next_expected has arrived.
  unacked_.erase(unacked_.begin(), unacked_.lower_bound(n.next_expected));
  for (auto seq : n.missing()) {
    auto it = unacked_.find(seq);
    if (it == unacked_.end()) continue;
    // A NACK repeated within the timeout does not double the resend.
    if (it->second.transmissions > 1 && now - it->second.sent_at < config_.retransmit_timeout / 2)
      continue;
    it->second.sent_at = now;
    ++it->second.transmissions;
    ++retransmits_;
    out.push_back(&it->second);
  }
  return out;
}

std::vector<outgoing_packet*> stream_sender::due(clock_type::time_point now) {
  std::vector<outgoing_packet*> out;
  for (auto& [seq, p] : unacked_) {
    if (now - p.sent_at < config_.retransmit_timeout) continue;
    p.sent_at = now;
    ++p.transmissions;
    ++retransmits_;
    out.push_back(&p);
  }
  return out;
}

void stream_sender::fill(stream_stats& s) const {
  s.tx_seq = next_seq_;
  s.in_flight = unacked_.size();
  s.tx_window = config_.window_bytes;
  s.tx_credit_remaining = config_.window_bytes == 0 ? 0 : credit();
  s.backpressure_events = backpressure_;
  s.retransmits = retransmits_;
  s.nacks_received = nacks_;
  s.credit_grants_received = grants_;
  s.events_sent = events_;
}

std::vector<bytes> stream_receiver::on_packet(std::uint64_t seq, std::vector<bytes> events) {
  std::vector<bytes> out;
  auto deliver = [&](std::vector<bytes>& evs) {
    for (auto& e : evs) {
      consumed_ += e.size();
      ++delivered_;
      out.push_back(std::move(e));
    }
  };
  if (config_.mode == reliability::fire_and_forget) {
    if (seq >= next_expected_) next_expected_ = seq + 1;
    deliver(events);
    grant_due_ = true;
    return out;
  }
  if (seq < next_expected_ || held_.count(seq)) {
    ++dups_;
    grant_due_ = true;  // re-acknowledge: the sender may have missed our grant
    return out;
  }
  if (seq > next_expected_) {
    std::uint64_t size = 0;
    for (auto& e : events) size += e.size();
    // Hold at most one window beyond the gap (plus one packet), so memory stays bounded.
    if (config_.window_bytes != 0 && held_bytes_ + size > config_.window_bytes + max_payload_size) {
      ++beyond_;
      return out;
    }
    held_bytes_ += size;
    held_.emplace(seq, std::move(events));
    return out;
  }
  deliver(events);
  ++next_expected_;
  for (auto it = held_.begin(); it != held_.end() && it->first == next_expected_;) {
    for (auto& e : it->second) held_bytes_ -= e.size();
    deliver(it->second);
    ++next_expected_;
    it = held_.erase(it);
  }
  grant_due_ = true;
  return out;
}

std::optional<stream_nack> stream_receiver::nack(std::uint64_t stream_id,
                                                 clock_type::time_point now) {
  if (config_.mode != reliability::reliable || held_.empty()) return std::nullopt;
  if (nacks_ && now - last_nack_ < config_.retransmit_timeout / 2) return std::nullopt;
  stream_nack n{stream_id, next_expected_, 0};
  for (unsigned i = 0; i < 64; ++i)
    if (!held_.count(next_expected_ + 1 + i)) n.missing_bitmap |= std::uint64_t{1} << i;
  // Only ask for sequences below the highest held one.
  std::uint64_t highest = held_.rbegin()->first;
  for (unsigned i = 0; i < 64; ++i)
    if (next_expected_ + 1 + i >= highest) n.missing_bitmap &= ~(std::uint64_t{1} << i);
  last_nack_ = now;
  ++nacks_;
  return n;
}

stream_window stream_receiver::grant(std::uint64_t stream_id) {
  grant_due_ = false;
  ++grants_;
  return {stream_id, consumed_, next_expected_};
}

void stream_receiver::fill(stream_stats& s) const {
  s.rx_seq = next_expected_;
  s.nacks_sent = nacks_;
  s.credit_grants_sent = grants_;
  s.events_delivered = delivered_;
  s.duplicates_dropped = dups_;
  s.beyond_window_dropped = beyond_;
}

}  // namespace neuromesh::mesh
