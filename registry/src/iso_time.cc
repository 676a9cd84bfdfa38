#include "neuromesh/registry/iso_time.h"

#include <fmt/format.h>

#include <cstdint>

namespace neuromesh::registry {
namespace {

using namespace std::chrono;

// A cursor over the text; every reader returns false on anything unexpected.
struct reader {
  std::string_view s;
  std::size_t i = 0;

  bool done() const { return i == s.size(); }
  bool peek(char c) const { return i < s.size() && s[i] == c; }
  bool take(char c) {
    if (!peek(c)) return false;
    ++i;
    return true;
  }
  bool digits(std::size_t n, int& out) {
    if (s.size() - i < n) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    out = v;
    return true;
  }
  bool at_digit() const { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }
};

// ±HH, ±HHMM, ±HH:MM, ±HH:MM:SS[.ffffff]; returns the offset in microseconds.
bool read_offset(reader& r, std::int64_t& offset_us) {
  if (r.take('Z') || r.take('z')) {
    offset_us = 0;
    return true;
  }
  int sign = 0;
  if (r.take('+'))
    sign = 1;
  else if (r.take('-'))
    sign = -1;
  else
    return false;
  int hh = 0, mm = 0, ss = 0;
  std::int64_t frac_us = 0;
  if (!r.digits(2, hh)) return false;
  if (r.take(':')) {
    if (!r.digits(2, mm)) return false;
    if (r.take(':')) {
      if (!r.digits(2, ss)) return false;
      if (r.take('.')) {
        int n = 0;
        while (r.at_digit() && n < 6) {
          frac_us = frac_us * 10 + (r.s[r.i++] - '0');
          ++n;
        }
        if (n == 0 || r.at_digit()) return false;
        for (; n < 6; ++n) frac_us *= 10;
      }
    }
  } else if (r.at_digit()) {
    if (!r.digits(2, mm)) return false;
  }
  if (hh > 23 || mm > 59 || ss > 59) return false;
  offset_us = sign * ((std::int64_t{hh} * 3600 + mm * 60 + ss) * 1'000'000 + frac_us);
  return true;
}

}  // namespace

time_point now_utc() noexcept { return floor<microseconds>(system_clock::now()); }

std::string format_iso8601(time_point tp) {
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const auto in_day = tp - day;
  const auto h = duration_cast<hours>(in_day);
  const auto m = duration_cast<minutes>(in_day - h);
  const auto s = duration_cast<seconds>(in_day - h - m);
  const auto us = (in_day - h - m - s).count();
  auto text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                          h.count(), m.count(), s.count());
  // Python's isoformat omits the fraction entirely when it is zero.
  if (us != 0) text += fmt::format(".{:06}", us);
  text += "+00:00";
  return text;
}

std::optional<time_point> parse_iso8601(std::string_view text) noexcept {
  reader r{text};
  int y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0;
  std::int64_t frac_us = 0, offset_us = 0;
  if (!r.digits(4, y) || !r.take('-') || !r.digits(2, mo) || !r.take('-') || !r.digits(2, d))
    return std::nullopt;
  if (!r.done()) {
    if (!(r.take('T') || r.take('t') || r.take(' '))) return std::nullopt;
    if (!r.digits(2, hh)) return std::nullopt;
    if (r.take(':')) {
      if (!r.digits(2, mi)) return std::nullopt;
      if (r.take(':')) {
        if (!r.digits(2, ss)) return std::nullopt;
        if (r.take('.') || r.take(',')) {
          int n = 0;
          while (r.at_digit()) {
            if (n < 6) frac_us = frac_us * 10 + (r.s[r.i] - '0');
            ++r.i;
            ++n;
          }
          if (n == 0 || n > 9) return std::nullopt;
          for (int k = n; k < 6; ++k) frac_us *= 10;
        }
      }
    }
    if (!r.done() && !read_offset(r, offset_us)) return std::nullopt;
    if (!r.done()) return std::nullopt;
  }
  if (y < 1 || mo < 1 || mo > 12 || hh > 23 || mi > 59 || ss > 59) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const auto local =
      time_point{sys_days{ymd}} + hours{hh} + minutes{mi} + seconds{ss} + microseconds{frac_us};
  return local - microseconds{offset_us};
}

}  // namespace neuromesh::registry
