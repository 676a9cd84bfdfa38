#pragma once
// Identifiers (reference/cosmonapse.md §1.3): a lowercase prefix plus a 26-character
// Crockford-base32 ULID, e.g. evt_01JV8Y3Q6W5T2K9M4N7P0R1S2T. Generation is monotonic within a
// millisecond and safe from many threads. Decoding checks the prefix only, as the reference
// does; is_canonical() is the spec's stricter ^prefix[0-9A-Z]{26}$.

#include <compare>
#include <string>
#include <string_view>

namespace neuromesh::protocol {

/// A new 26-character ULID (no prefix).
std::string new_ulid();

namespace detail {
/// ^prefix[0-9A-Z]{26}$ (the spec's regex).
bool is_canonical_ulid_suffix(std::string_view s, std::string_view prefix) noexcept;

template <class Tag>
struct prefixed_id {
  std::string value;

  static prefixed_id generate() { return {std::string(Tag::prefix) + new_ulid()}; }
  /// Prefix check only, like the Python validators.
  static bool has_prefix(std::string_view s) noexcept { return s.starts_with(Tag::prefix); }
  bool is_canonical() const noexcept { return is_canonical_ulid_suffix(value, Tag::prefix); }
  const std::string& str() const noexcept { return value; }
  friend auto operator<=>(const prefixed_id&, const prefixed_id&) = default;
};
struct event_tag {
  static constexpr std::string_view prefix = "evt_";
};
struct trace_tag {
  static constexpr std::string_view prefix = "trc_";
};
struct engram_entry_tag {
  static constexpr std::string_view prefix = "eng_";
};
}  // namespace detail

using event_id = detail::prefixed_id<detail::event_tag>;                ///< envelope id, evt_
using trace_id = detail::prefixed_id<detail::trace_tag>;                ///< trace id, trc_
using engram_entry_id = detail::prefixed_id<detail::engram_entry_tag>;  ///< Engram entry id, eng_

}  // namespace neuromesh::protocol
