// The cosmo:// frame's string codec: a Signal's JSON written as the JSON string Python's
// json.dumps (ensure_ascii) writes, checked and read back (py_json.h). SSE2 where the target
// has it, and a portable scalar path (py_json_internal.h) that the tests run too.
#include "neuromesh/synapse/py_json.h"
#include "py_json_internal.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace neuromesh::synapse::detail {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// True for the bytes that can be copied unchanged: printable ASCII except " and \.
constexpr std::array<bool, 256> make_plain() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[c] = true;
  t['"'] = false;
  t['\\'] = false;
  return t;
}
constexpr auto plain = make_plain();

// Decodes one UTF-8 sequence starting at s[i]; returns the code point and advances i.
// Invalid input yields U+FFFD and advances by one byte.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xc0) == 0x80 ? (b & 0x3f) : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    int c1 = cont(1);
    if (c1 >= 0) {
      i += 2;
      return ((b0 & 0x1fu) << 6) | c1;
    }
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    int c1 = cont(1), c2 = cont(2);
    if (c1 >= 0 && c2 >= 0) {
      std::uint32_t cp = ((b0 & 0x0fu) << 12) | (c1 << 6) | c2;
      if (cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff)) {
        i += 3;
        return cp;
      }
    }
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    int c1 = cont(1), c2 = cont(2), c3 = cont(3);
    if (c1 >= 0 && c2 >= 0 && c3 >= 0) {
      std::uint32_t cp = ((b0 & 0x07u) << 18) | (c1 << 12) | (c2 << 6) | c3;
      if (cp >= 0x10000 && cp <= 0x10ffff) {
        i += 4;
        return cp;
      }
    }
  }
  ++i;
  return 0xfffd;
}

// Whether any of the 8 bytes is '"', '\\', below 0x20 or above 0x7e (exact existence
// tests, so a clean word can be skipped whole; a flagged word is looked at byte by byte).
bool word_needs_a_look(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t x) { return (x - ones) & ~x & high; };
  std::uint64_t below_space = (w - ones * 0x20) & ~w & high;
  return (below_space | (w & high) | has_zero(w ^ (ones * 0x7f)) | has_zero(w ^ (ones * '"')) |
          has_zero(w ^ (ones * '\\'))) != 0;
}

#if defined(__SSE2__)
constexpr bool use_simd = true;

// One bit per byte of v that is '"', '\\', below 0x20 or above 0x7e (the bytes that are
// not plain). Adding 0x60 maps 0x20..0x7e onto -128..-34 as signed bytes and every other
// byte onto -33..127, so one signed compare finds the bytes outside the printable range.
unsigned special_mask(__m128i v) noexcept {
  __m128i outside = _mm_cmpgt_epi8(_mm_add_epi8(v, _mm_set1_epi8(0x60)), _mm_set1_epi8(-34));
  __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  __m128i slash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(outside, _mm_or_si128(quote, slash))));
}

// One bit per byte of a 64-byte chunk: '"', '\\', and outside 0x20..0x7e.
struct chunk_masks {
  std::uint64_t quote = 0, slash = 0, outside = 0;
};
chunk_masks scan_chunk(const char* t) noexcept {
  chunk_masks m;
  for (int k = 0; k < 4; ++k) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + 16 * k));
    auto bits = [&](__m128i b) {
      return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(b))) << (16 * k);
    };
    m.quote |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
    m.slash |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    m.outside |= bits(_mm_cmpgt_epi8(_mm_add_epi8(v, _mm_set1_epi8(0x60)), _mm_set1_epi8(-34)));
  }
  return m;
}
#else
constexpr bool use_simd = false;
#endif

// The index of the first byte of t[i, n) that is not plain, or n: 16-byte blocks with SSE2,
// else (and for the tail) whole 8-byte words that need no look, then byte by byte.
template <bool Simd>
std::size_t next_special(const char* t, std::size_t i, std::size_t n) noexcept {
#if defined(__SSE2__)
  if constexpr (Simd) {
    for (; i + 16 <= n; i += 16) {
      unsigned m = special_mask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t + i)));
      if (m != 0) return i + static_cast<std::size_t>(std::countr_zero(m));
    }
  }
#endif
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, t + i, 8);
    if (word_needs_a_look(w)) break;
  }
  while (i < n && plain[static_cast<unsigned char>(t[i])]) ++i;
  return i;
}

// Writes into out's own buffer through a pointer: out is resized ahead (room to spare) and
// cut back to what was written at the end, so no byte pays for std::string's bookkeeping.
class out_cursor {
 public:
  out_cursor(std::string& out, std::size_t room) : out_(out), start_(out.size()) {
    out_.resize(start_ + room);
    p_ = out_.data() + start_;
    end_ = out_.data() + out_.size();
  }
  // The write position, with at least n bytes of room after it.
  char* room_for(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) grow(n);
    return p_;
  }
  void advance_to(char* p) noexcept { p_ = p; }
  void finish() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }

 private:
  void grow(std::size_t n) {
    auto at = static_cast<std::size_t>(p_ - out_.data());
    out_.resize(at + n + (at - start_) / 2 + 64);
    p_ = out_.data() + at;
    end_ = out_.data() + out_.size();
  }
  std::string& out_;
  std::size_t start_;
  char* p_ = nullptr;
  char* end_ = nullptr;
};

// Python's two-byte escapes: the byte, and the letter written after the backslash. The
// three tables below (escape, check, read back) are built from this one list.
struct short_escape {
  char byte, letter;
};
constexpr short_escape short_escape_list[] = {{'"', '"'},  {'\\', '\\'}, {'\n', 'n'}, {'\r', 'r'},
                                              {'\t', 't'}, {'\b', 'b'},  {'\f', 'f'}};

// The letter of the two-byte escape of each ASCII byte that has one, else 0.
constexpr std::array<char, 128> make_short_escapes() {
  std::array<char, 128> t{};
  for (auto e : short_escape_list) t[static_cast<unsigned char>(e.byte)] = e.letter;
  return t;
}
constexpr auto short_escapes = make_short_escapes();

char* put_u(char* p, std::uint32_t cp) noexcept {
  p[0] = '\\';
  p[1] = 'u';
  p[2] = hex_digits[(cp >> 12) & 0xf];
  p[3] = hex_digits[(cp >> 8) & 0xf];
  p[4] = hex_digits[(cp >> 4) & 0xf];
  p[5] = hex_digits[cp & 0xf];
  return p + 6;
}

// Writes the escape of the character starting at s[i] (a byte that is not plain) and
// advances i past it; at most 12 bytes (a surrogate pair).
char* put_escape(char* p, std::string_view s, std::size_t& i) noexcept {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    if (char e = short_escapes[c]; e != 0) {
      p[0] = '\\';
      p[1] = e;
      return p + 2;
    }
    return put_u(p, c);
  }
  std::uint32_t cp = next_code_point(s, i);
  if (cp < 0x10000) return put_u(p, cp);
  cp -= 0x10000;
  return put_u(put_u(p, 0xd800 | (cp >> 10)), 0xdc00 | (cp & 0x3ff));
}

template <bool Simd>
void escape(std::string& out, std::string_view s) {
  const char* in = s.data();
  const std::size_t n = s.size();
  out_cursor cursor(out, n + n / 4 + 32);  // a Signal JSON grows by ~1/6 (its quotes)
  char* p = cursor.room_for(1);
  *p++ = '"';
  std::size_t i = 0;
#if defined(__SSE2__)
  if constexpr (Simd) {
    // While 32 bytes remain, every special byte of a 16-byte block in turn from one mask:
    // store 16 bytes from where the block's last escape ended, keep those before the next
    // special byte, write its escape. (A Signal JSON has a quote every ~6 bytes.)
    while (i + 32 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
      unsigned m = special_mask(v);
      cursor.advance_to(p);
      p = cursor.room_for(16);
      if (m == 0) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
        p += 16;
        i += 16;
        continue;
      }
      std::size_t at = 0;  // bytes of the block done
      do {
        auto k = static_cast<std::size_t>(std::countr_zero(m));
        cursor.advance_to(p);
        p = cursor.room_for(16 + 12);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + at)));
        p += k - at;
        auto c = static_cast<unsigned char>(in[i + k]);
        if (char e = c < 0x80 ? short_escapes[c] : 0; e != 0) {  // mostly '"'
          p[0] = '\\';
          p[1] = e;
          p += 2;
          at = k + 1;
        } else {
          std::size_t next = i + k;
          p = put_escape(p, s, next);
          at = next - i;  // up to 19: a UTF-8 sequence may run into the next block
        }
        m = at < 16 ? m & (~0u << at) : 0;
      } while (m != 0);
      i += at;
    }
  }
#endif
  while (i < n) {
#if defined(__SSE2__)
    if constexpr (Simd) {
      // Store each 16-byte block whole, then keep only its plain prefix.
      bool special = false;
      while (i + 16 <= n) {
        cursor.advance_to(p);
        p = cursor.room_for(16);
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
        if (unsigned m = special_mask(v); m != 0) {
          auto k = static_cast<std::size_t>(std::countr_zero(m));
          i += k;
          p += k;
          special = true;
          break;
        }
        i += 16;
        p += 16;
      }
      if (!special) {  // the tail: fewer than 16 bytes
        std::size_t run = next_special<false>(in, i, n);
        cursor.advance_to(p);
        p = cursor.room_for(16);
        std::memcpy(p, in + i, run - i);
        p += run - i;
        i = run;
      }
    } else
#endif
    {
      std::size_t run = next_special<Simd>(in, i, n);
      cursor.advance_to(p);
      p = cursor.room_for(run - i);
      std::memcpy(p, in + i, run - i);
      p += run - i;
      i = run;
    }
    if (i >= n) break;
    cursor.advance_to(p);
    p = put_escape(cursor.room_for(12), s, i);
  }
  cursor.advance_to(p);
  p = cursor.room_for(1);
  *p++ = '"';
  cursor.advance_to(p);
  cursor.finish();
}

int lower_hex(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase hex is not what Python writes
}

// The size of each escape by the byte after its backslash: 2 for \" \\ \n \r \t \b \f, 6
// for \u, 0 for anything else.
constexpr std::array<std::uint8_t, 256> make_escape_sizes() {
  std::array<std::uint8_t, 256> t{};
  for (auto e : short_escape_list) t[static_cast<unsigned char>(e.letter)] = 2;
  t['u'] = 6;
  return t;
}
constexpr auto escape_sizes = make_escape_sizes();

// The size of the escape at t[i] (a backslash) if Python would write it so, else 0.
std::size_t canonical_escape_size(const char* t, std::size_t i, std::size_t n) noexcept {
  if (i + 1 >= n) return 0;
  std::size_t size = escape_sizes[static_cast<unsigned char>(t[i + 1])];
  if (size != 6) return size;
  if (i + 6 > n) return 0;
  int v = 0;
  for (std::size_t k = 2; k < 6; ++k) {
    int h = lower_hex(t[i + k]);
    if (h < 0) return 0;
    v = v * 16 + h;
  }
  // Python uses \u only for what has no short escape and is not printable ASCII.
  bool short_form = v < 0x80 && short_escapes[static_cast<std::size_t>(v)] != 0;
  if (short_form || (v >= 0x20 && v <= 0x7e) || (v >= 0xd800 && v <= 0xdfff)) return 0;
  return 6;
}

template <bool Simd>
std::size_t canonical_string_size(std::string_view text, bool& has_escapes) noexcept {
  has_escapes = false;
  if (text.empty() || text[0] != '"') return 0;
  const char* t = text.data();
  const std::size_t n = text.size();
  std::size_t i = 1;
#if defined(__SSE2__)
  if constexpr (Simd) {
    // 64 bytes at a time, without a branch per escape. Which bytes the backslashes escape
    // (a run of k backslashes escapes the byte after it when k is odd) follows from one
    // subtraction, as in simdjson: subtracting a run's first bit from the odd bits moved one
    // up borrows through the run, so the run's start parity decides the bit after it. The
    // string ends at the first quote not escaped; everything before it is Python's form
    // when no byte is a control/non-ASCII one and every escaped byte is '"' or '\\' (others,
    // rare, are checked one by one). Anything else goes to the byte-exact loops below, from
    // where this chunk's parse begins.
    constexpr std::uint64_t odd_bits = 0xaaaaaaaaaaaaaaaaULL;
    std::uint64_t carry = 0;  // 1 when t[i] is escaped by the backslash at t[i - 1]
    while (i + 64 <= n) {
      chunk_masks m = scan_chunk(t + i);
      std::uint64_t starts = m.slash & ~carry;  // backslashes that may begin an escape
      std::uint64_t codes = (((starts << 1) | odd_bits) - starts) ^ odd_bits;
      std::uint64_t escaped = codes ^ (m.slash | carry);
      std::uint64_t ends = m.quote & ~escaped;
      std::uint64_t before = ends != 0 ? (ends & (0 - ends)) - 1 : ~std::uint64_t{0};
      bool simple = (m.outside & before) == 0;
      for (std::uint64_t other = escaped & ~(m.quote | m.slash) & before; simple && other != 0;
           other &= other - 1)
        simple = canonical_escape_size(t, i + std::countr_zero(other) - 1, n) != 0;
      if (!simple) break;
      if ((m.slash & before) != 0) has_escapes = true;
      if (ends != 0) return i + static_cast<std::size_t>(std::countr_zero(ends)) + 1;
      carry = (codes & m.slash) >> 63;
      i += 64;
    }
    i -= carry;  // the escape that spans two chunks, from its backslash
    // Every special byte of a 16-byte block in turn, from one load: the block's mask loses
    // the bits that each escape covers.
    while (i + 16 <= n) {
      unsigned m = special_mask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t + i)));
      std::size_t next = i + 16;
      while (m != 0) {
        std::size_t at = i + static_cast<std::size_t>(std::countr_zero(m));
        if (t[at] != '\\') return t[at] == '"' ? at + 1 : 0;  // or a control/non-ASCII byte
        has_escapes = true;
        std::size_t size = canonical_escape_size(t, at, n);
        if (size == 0) return 0;
        next = at + size;
        if (next >= i + 16) break;
        m &= ~0u << (next - i);
      }
      i = std::max(next, i + 16);
    }
  }
#endif
  for (;;) {
    i = next_special<false>(t, i, n);
    if (i >= n) return 0;
    if (t[i] == '"') return i + 1;
    if (t[i] != '\\') return 0;  // a control byte, DEL or a byte outside ASCII
    has_escapes = true;
    std::size_t size = canonical_escape_size(t, i, n);
    if (size == 0) return 0;
    i += size;
  }
}

// The byte each short escape stands for, by the byte after its backslash; 0 for \u.
constexpr std::array<char, 256> make_unescaped_bytes() {
  std::array<char, 256> t{};
  for (auto e : short_escape_list) t[static_cast<unsigned char>(e.letter)] = e.byte;
  return t;
}
constexpr auto unescaped_bytes = make_unescaped_bytes();

// The UTF-8 of the \u escape whose 4 lowercase hex digits start at hex: never a surrogate
// in a canonical string, so one BMP code point, 1-3 bytes.
char* put_utf8_of_u(char* p, const char* hex) noexcept {
  unsigned v = 0;
  for (int k = 0; k < 4; ++k)
    v = v * 16 + static_cast<unsigned>(hex[k] <= '9' ? hex[k] - '0' : hex[k] - 'a' + 10);
  if (v < 0x80) {
    *p++ = static_cast<char>(v);
  } else if (v < 0x800) {
    *p++ = static_cast<char>(0xc0 | (v >> 6));
    *p++ = static_cast<char>(0x80 | (v & 0x3f));
  } else {
    *p++ = static_cast<char>(0xe0 | (v >> 12));
    *p++ = static_cast<char>(0x80 | ((v >> 6) & 0x3f));
    *p++ = static_cast<char>(0x80 | (v & 0x3f));
  }
  return p;
}

template <bool Simd>
void unescape(std::string& out, std::string_view quoted) {
  std::string_view body = quoted.substr(1, quoted.size() - 2);
  const char* b = body.data();
  const std::size_t n = body.size();
  if (std::memchr(b, '\\', n) == nullptr) {  // most keys and subjects: a copy
    out.append(b, n);
    return;
  }
  // The value is never longer than its escaped form, and the output position never passes
  // the input position, so a 16-byte store at the output when 16 input bytes remain fits.
  out_cursor cursor(out, n);
  char* p = cursor.room_for(0);
  std::size_t i = 0;
#if defined(__SSE2__)
  if constexpr (Simd) {
    // While 32 bytes remain, every backslash of a 16-byte block in turn from one mask:
    // store 16 bytes from where the block's last escape ended, keep those before the next
    // backslash, write the escape's value.
    while (i + 32 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
      auto m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
      if (m == 0) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
        p += 16;
        i += 16;
        continue;
      }
      std::size_t at = 0;  // bytes of the block done
      do {
        auto k = static_cast<std::size_t>(std::countr_zero(m));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i + at)));
        p += k - at;
        if (char c = unescaped_bytes[static_cast<unsigned char>(b[i + k + 1])]; c != 0) {
          *p++ = c;
          at = k + 2;
        } else {  // \u, whose 4 digits are within the 32 bytes
          p = put_utf8_of_u(p, b + i + k + 2);
          at = k + 6;
        }
        m = at < 16 ? m & (~0u << at) : 0;
      } while (m != 0);
      i += at;
    }
  }
#endif
  for (;;) {
    std::size_t slash = n;
    bool copied = false;  // b[i, slash) is at p already
#if defined(__SSE2__)
    if constexpr (Simd) {
      // Store each 16-byte block whole, then keep only the part before its first backslash.
      for (; i + 16 <= n; i += 16, p += 16) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
        if (auto m =
                static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
            m != 0) {
          auto k = static_cast<std::size_t>(std::countr_zero(m));
          slash = i + k;
          p += k;
          copied = true;
          break;
        }
      }
    }
#endif
    if (!copied) {
      const void* hit = i < n ? std::memchr(b + i, '\\', n - i) : nullptr;
      slash = hit != nullptr ? static_cast<std::size_t>(static_cast<const char*>(hit) - b) : n;
      std::memcpy(p, b + i, slash - i);
      p += slash - i;
    }
    if (slash + 1 >= n) break;  // the end (a lone trailing backslash is not canonical)
    char e = b[slash + 1];
    i = slash + 2;
    if (char c = unescaped_bytes[static_cast<unsigned char>(e)]; c != 0) {
      *p++ = c;
      continue;
    }
    if (i + 4 > n) break;
    p = put_utf8_of_u(p, b + i);
    i += 4;
  }
  cursor.advance_to(p);
  cursor.finish();
}

}  // namespace

void append_py_string(std::string& out, std::string_view s) { escape<use_simd>(out, s); }

std::string py_string(std::string_view s) {
  std::string out;
  append_py_string(out, s);
  return out;
}

std::size_t py_canonical_string_size(std::string_view text, bool& has_escapes) noexcept {
  return canonical_string_size<use_simd>(text, has_escapes);
}

void append_py_unescaped(std::string& out, std::string_view quoted) {
  unescape<use_simd>(out, quoted);
}

namespace py_json_scalar {

void append_py_string(std::string& out, std::string_view s) { escape<false>(out, s); }

std::size_t py_canonical_string_size(std::string_view text, bool& has_escapes) noexcept {
  return canonical_string_size<false>(text, has_escapes);
}

void append_py_unescaped(std::string& out, std::string_view quoted) {
  unescape<false>(out, quoted);
}

}  // namespace py_json_scalar

}  // namespace neuromesh::synapse::detail
