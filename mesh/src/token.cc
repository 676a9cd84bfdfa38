#include "neuromesh/mesh/token.h"

#include "le.h"
#include "sodium_init.h"

#include <fmt/format.h>
#include <sodium.h>

#include <charconv>
#include <cstring>

namespace neuromesh::mesh {

using detail::load_le;
using detail::store_le;

namespace {
constexpr const char* scope_names[] = {"PUBLISH", "SUBSCRIBE", "ADMIN", "DELEGATE", "WILDCARD"};
}

std::string scope_name(std::uint32_t scope) {
  if (scope == 0) return "NONE";
  std::string out;
  for (unsigned bit = 0; bit < 32; ++bit) {
    if (!(scope >> bit & 1)) continue;
    if (!out.empty()) out += '|';
    out += bit < 5 ? std::string(scope_names[bit]) : fmt::format("0x{:x}", 1u << bit);
  }
  return out;
}

std::optional<std::uint32_t> parse_scope(std::string_view text) {
  std::uint32_t bits = 0;
  while (!text.empty()) {
    auto bar = text.find('|');
    auto part = text.substr(0, bar);
    text = bar == std::string_view::npos ? std::string_view{} : text.substr(bar + 1);
    std::string upper(part);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "NONE") continue;
    bool found = false;
    for (unsigned bit = 0; bit < 5; ++bit)
      if (upper == scope_names[bit]) bits |= 1u << bit, found = true;
    if (found) continue;
    std::uint32_t v = 0;
    int base = 10;
    if (upper.starts_with("0X")) upper.erase(0, 2), base = 16;
    auto [p, ec] = std::from_chars(upper.data(), upper.data() + upper.size(), v, base);
    if (ec != std::errc{} || p != upper.data() + upper.size() || upper.empty()) return std::nullopt;
    bits |= v;
  }
  return bits;
}

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

namespace {
std::uint64_t random_u64() {
  detail::ensure_sodium();
  std::uint64_t v;
  randombytes_buf(&v, sizeof v);
  return v;
}
}  // namespace

result<permission_token> permission_token::issue(const identity& issuer, const public_key& subject,
                                                 std::uint32_t scope, std::uint64_t channel_hash,
                                                 std::chrono::seconds ttl,
                                                 std::uint8_t delegation_depth, std::uint64_t now) {
  if (ttl.count() <= 0)
    return fail(errc::zero_ttl, "token: ttl must be positive (a zero TTL is born expired)");
  if (static_cast<std::uint64_t>(ttl.count()) > max_token_ttl_secs)
    return fail(errc::ttl_too_long, fmt::format("token: ttl {} s exceeds the ceiling {} s",
                                                ttl.count(), max_token_ttl_secs));
  permission_token t;
  t.issuer = issuer.public_key_bytes();
  t.subject = subject;
  t.scope = scope;
  t.channel_hash = channel_hash;
  t.not_before = now;
  t.not_after = now + static_cast<std::uint64_t>(ttl.count());
  t.delegation_depth = delegation_depth;
  t.nonce = random_u64();
  auto payload = t.signed_payload();
  t.sig = issuer.sign(payload);
  return t;
}

std::array<std::uint8_t, permission_token::signed_size> permission_token::signed_payload()
    const noexcept {
  std::array<std::uint8_t, signed_size> b;
  std::uint8_t* p = b.data();
  std::memcpy(p, issuer.data(), 32);
  std::memcpy(p + 32, subject.data(), 32);
  store_le(p + 64, scope);
  store_le(p + 68, channel_hash);
  store_le(p + 76, issuer_generation);
  store_le(p + 80, not_before);
  store_le(p + 88, not_after);
  p[96] = delegation_depth;
  store_le(p + 97, nonce);
  return b;
}

std::array<std::uint8_t, permission_token::wire_size> permission_token::encode() const noexcept {
  std::array<std::uint8_t, wire_size> b;
  auto s = signed_payload();
  std::memcpy(b.data(), s.data(), signed_size);
  std::memcpy(b.data() + signed_size, sig.data(), sig.size());
  return b;
}

result<permission_token> permission_token::decode(byte_view b) {
  if (b.size() < wire_size)
    return fail(errc::truncated,
                fmt::format("token: truncated: need {} bytes, got {}", wire_size, b.size()));
  if (b.size() > wire_size)
    return fail(errc::bad_length, fmt::format("token: bad length: need exactly {} bytes, got {}",
                                              wire_size, b.size()));
  const std::uint8_t* p = b.data();
  permission_token t;
  std::memcpy(t.issuer.data(), p, 32);
  std::memcpy(t.subject.data(), p + 32, 32);
  t.scope = load_le<std::uint32_t>(p + 64);
  t.channel_hash = load_le<std::uint64_t>(p + 68);
  t.issuer_generation = load_le<std::uint32_t>(p + 76);
  t.not_before = load_le<std::uint64_t>(p + 80);
  t.not_after = load_le<std::uint64_t>(p + 88);
  t.delegation_depth = p[96];
  t.nonce = load_le<std::uint64_t>(p + 97);
  std::memcpy(t.sig.data(), p + signed_size, 64);
  return t;
}

result<void> permission_token::verify() const {
  auto payload = signed_payload();
  if (!verify_signature(issuer, payload, sig))
    return fail(errc::invalid_signature, "token: signature does not verify against the issuer");
  return {};
}

result<void> permission_token::check(std::uint64_t now, std::uint64_t skew) const {
  if (auto v = verify(); !v) return v;
  std::uint64_t nb = not_before > skew ? not_before - skew : 0;
  if (now < nb)
    return fail(errc::not_yet_valid,
                fmt::format("token: not valid before {} (now {})", not_before, now));
  std::uint64_t na = not_after + skew < not_after ? ~std::uint64_t{0} : not_after + skew;
  if (now >= na)
    return fail(errc::expired, fmt::format("token: expired at {} (now {})", not_after, now));
  if (not_after > not_before && not_after - not_before > max_token_ttl_secs)
    return fail(errc::ttl_too_long, "token: validity window exceeds one year");
  return {};
}

bool permission_token::authorizes(std::uint32_t action, std::uint64_t channel) const noexcept {
  if ((scope & action) != action) return false;
  if (scope & token_scope::wildcard) return true;
  return channel_hash == channel;
}

result<permission_token> permission_token::delegate(const identity& signer,
                                                    const public_key& new_subject,
                                                    std::uint32_t restricted_scope,
                                                    std::uint64_t now) const {
  if (auto v = check(now); !v) return v.error();
  if (delegation_depth == 0)
    return fail(errc::delegation_exhausted, "token: delegation depth is 0");
  if (!(scope & token_scope::delegate))
    return fail(errc::delegation_not_allowed, "token: scope lacks DELEGATE");
  if (signer.public_key_bytes() != subject)
    return fail(errc::not_authorized, "token: only the token's subject may delegate it");
  permission_token child;
  child.issuer = signer.public_key_bytes();
  child.subject = new_subject;
  child.scope = scope & restricted_scope;
  child.channel_hash = channel_hash;
  child.issuer_generation = issuer_generation;
  child.not_before = now;
  child.not_after = not_after;
  child.delegation_depth = static_cast<std::uint8_t>(delegation_depth - 1);
  child.nonce = random_u64();
  auto payload = child.signed_payload();
  child.sig = signer.sign(payload);
  return child;
}

result<void> token_store::insert(const permission_token& t, std::uint64_t now) {
  if (auto v = t.check(now); !v) return v;
  std::lock_guard lock(mu_);
  auto& slot = tokens_[{t.subject, t.channel_hash}];
  for (auto& existing : slot)
    if (existing.nonce == t.nonce && existing.issuer == t.issuer) return {};
  slot.push_back(t);
  return {};
}

result<void> token_store::check(const public_key& subject, std::uint32_t action,
                                std::uint64_t channel, std::uint64_t now) const {
  std::lock_guard lock(mu_);
  auto live = [&](const permission_token& t) {
    return now >= t.not_before && now < t.not_after && t.authorizes(action, channel);
  };
  if (auto it = tokens_.find({subject, channel}); it != tokens_.end())
    for (auto& t : it->second)
      if (live(t)) return {};
  for (auto it = tokens_.lower_bound({subject, 0});
       it != tokens_.end() && it->first.first == subject; ++it)
    for (auto& t : it->second)
      if ((t.scope & token_scope::wildcard) && live(t)) return {};
  return fail(errc::not_authorized,
              fmt::format("token store: no live token grants {} on channel 0x{:016x}",
                          scope_name(action), channel));
}

std::size_t token_store::evict_expired(std::uint64_t now) {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    n += std::erase_if(it->second, [&](const permission_token& t) { return now >= t.not_after; });
    it = it->second.empty() ? tokens_.erase(it) : std::next(it);
  }
  return n;
}

std::size_t token_store::size() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto& [k, v] : tokens_) n += v.size();
  return n;
}

}  // namespace neuromesh::mesh
