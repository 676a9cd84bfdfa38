// ULID generation (https://github.com/ulid/spec): 48-bit Unix milliseconds + 80 random bits,
// 26 Crockford base32 characters. Within one millisecond the random part is incremented, so
// ids from every thread of the process sort in generation order.
#include "neuromesh/protocol/ids.h"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace neuromesh::protocol {
namespace {

constexpr char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct generator {
  std::mutex mutex_;
  std::uint64_t last_ms_ = 0;
  std::uint16_t rand_hi_ = 0;  // top 16 of the 80 random bits
  std::uint64_t rand_lo_ = 0;  // low 64
  std::mt19937_64 rng_{std::random_device{}()};

  void next(std::uint64_t& ms, std::uint16_t& hi, std::uint64_t& lo) {
    auto now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    std::lock_guard lock(mutex_);
    if (now > last_ms_) {
      last_ms_ = now;
      rand_lo_ = rng_();
      // Keep headroom below 2^80 so increments within the millisecond do not overflow.
      rand_hi_ = static_cast<std::uint16_t>(rng_() & 0x7FFF);
    } else if (++rand_lo_ == 0 && ++rand_hi_ == 0) {
      ++last_ms_;  // 2^80 ids in one millisecond, or a clock step back: borrow the next one
    }
    ms = last_ms_;
    hi = rand_hi_;
    lo = rand_lo_;
  }
};

generator& global_generator() {
  static generator g;
  return g;
}

// Writes the `n` low 5-bit groups of `bits` as Crockford characters, most significant first.
void put_base32(char* out, std::uint64_t bits, int n) noexcept {
  for (int i = n - 1; i >= 0; --i, bits >>= 5) out[i] = crockford[bits & 31];
}

}  // namespace

std::string new_ulid() {
  std::uint64_t ms, lo;
  std::uint16_t hi;
  global_generator().next(ms, hi, lo);
  // Room for a 4-character id prefix: prefixed_id::generate's `prefix + new_ulid()` then
  // inserts into this buffer instead of allocating a second one.
  std::string out;
  out.reserve(30);
  out.resize(26);
  // 26 characters = 10 for the 48-bit time (the top 2 of their 50 bits are zero) + 16 for the
  // 80 random bits, written as two 40-bit halves with 64-bit arithmetic.
  put_base32(out.data(), ms & 0xFFFFFFFFFFFFULL, 10);
  put_base32(out.data() + 10, (std::uint64_t{hi} << 24) | (lo >> 40), 8);
  put_base32(out.data() + 18, lo & 0xFFFFFFFFFFULL, 8);
  return out;
}

namespace detail {

bool is_canonical_ulid_suffix(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() != prefix.size() + 26 || !s.starts_with(prefix)) return false;
  for (char c : s.substr(prefix.size()))
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  return true;
}

}  // namespace detail
}  // namespace neuromesh::protocol
