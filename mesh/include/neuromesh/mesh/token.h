#pragma once
// Permission tokens: signed, expiring, delegatable grants, in Net's current wire layout
// (identity/token.rs; 169 bytes — Net's docs still say 161, from before channel_hash widened
// to u64 and issuer_generation was added):
//
//   off size field                    off size field
//     0  32  issuer (ed25519 pk)       80   8  not_before (unix s)
//    32  32  subject (ed25519 pk)      88   8  not_after  (unix s, exclusive)
//    64   4  scope bits                96   1  delegation_depth
//    68   8  channel_hash              97   8  nonce (random)
//    76   4  issuer_generation        105  64  ed25519 signature over bytes 0..105
//
// A token is live while not_before <= now < not_after. Delegation narrows: the child's scope
// is the parent's ∩ the requested scope, its depth is the parent's − 1, its not_after is the
// parent's, and the parent's subject signs it. Issue refuses a zero TTL and one over a year.
//
// Thread-safety: permission_token is a value. token_store is safe to share (one mutex).

#include "neuromesh/mesh/bytes.h"
#include "neuromesh/mesh/errc.h"
#include "neuromesh/mesh/identity.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace neuromesh::mesh {

namespace token_scope {
inline constexpr std::uint32_t publish = 0x01;
inline constexpr std::uint32_t subscribe = 0x02;
inline constexpr std::uint32_t admin = 0x04;
inline constexpr std::uint32_t delegate = 0x08;
/// Authorises every channel, whatever channel_hash says.
inline constexpr std::uint32_t wildcard = 0x10;
}  // namespace token_scope

/// "PUBLISH|SUBSCRIBE", "NONE"; unknown bits as "0x100".
std::string scope_name(std::uint32_t scope);
/// Parses scope_name's output (names in any case, or numbers); nullopt on an unknown name.
std::optional<std::uint32_t> parse_scope(std::string_view text);

/// Seconds since the Unix epoch, now.
std::uint64_t unix_now();

inline constexpr std::uint64_t max_token_ttl_secs = 365ull * 24 * 60 * 60;

struct permission_token {
  static constexpr std::size_t signed_size = 105;
  static constexpr std::size_t wire_size = signed_size + 64;

  public_key issuer{};
  public_key subject{};
  std::uint32_t scope = 0;
  std::uint64_t channel_hash = 0;
  std::uint32_t issuer_generation = 0;
  std::uint64_t not_before = 0;
  std::uint64_t not_after = 0;
  std::uint8_t delegation_depth = 0;
  std::uint64_t nonce = 0;
  signature sig{};

  /// Issues a token signed by issuer, live from now for ttl. Errors: zero_ttl, ttl_too_long.
  static result<permission_token> issue(const identity& issuer, const public_key& subject,
                                        std::uint32_t scope, std::uint64_t channel_hash,
                                        std::chrono::seconds ttl, std::uint8_t delegation_depth,
                                        std::uint64_t now = unix_now());

  /// The 105 bytes the signature covers.
  std::array<std::uint8_t, signed_size> signed_payload() const noexcept;
  std::array<std::uint8_t, wire_size> encode() const noexcept;
  /// Exactly 169 bytes, else truncated / bad_length. Does not verify the signature.
  static result<permission_token> decode(byte_view b);

  /// The signature alone. invalid_signature on failure.
  result<void> verify() const;
  /// Signature, then the window at `now` (with skew seconds of tolerance on both ends), then
  /// the width: invalid_signature, not_yet_valid, expired, ttl_too_long.
  result<void> check(std::uint64_t now = unix_now(), std::uint64_t skew = 0) const;
  bool expired(std::uint64_t now = unix_now()) const noexcept { return now >= not_after; }
  /// True when scope holds every bit of action and the channel matches (or WILDCARD).
  bool authorizes(std::uint32_t action, std::uint64_t channel) const noexcept;
  /// A child token for new_subject, signed by signer (who must be this token's subject).
  /// Errors: those of check(), delegation_exhausted, delegation_not_allowed, not_authorized.
  result<permission_token> delegate(const identity& signer, const public_key& new_subject,
                                    std::uint32_t restricted_scope,
                                    std::uint64_t now = unix_now()) const;

  bool operator==(const permission_token&) const = default;
};

/// Tokens by (subject, channel_hash), checked on insert and on use, evicted on expiry.
class token_store {
 public:
  /// Verifies (signature and window at now) and stores. The error of check() otherwise.
  result<void> insert(const permission_token& t, std::uint64_t now = unix_now());
  /// Ok when a live stored token of subject authorises action on channel (wildcard tokens
  /// are found under any channel); not_authorized otherwise.
  result<void> check(const public_key& subject, std::uint32_t action, std::uint64_t channel,
                     std::uint64_t now = unix_now()) const;
  /// Drops every token whose not_after has passed; returns how many.
  std::size_t evict_expired(std::uint64_t now = unix_now());
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<public_key, std::uint64_t>, std::vector<permission_token>> tokens_;
};

}  // namespace neuromesh::mesh
