#include "neuromesh/protocol/timestamp.h"

#include <cmath>

namespace neuromesh::protocol {
namespace {

using std::chrono::microseconds;

constexpr std::int64_t us_per_s = 1'000'000;
constexpr std::int64_t us_per_day = 86'400 * us_per_s;
constexpr double ms_watershed = 2e10;  // speedate: larger magnitudes are milliseconds
// 0001-01-01T00:00:00 and 9999-12-31T23:59:59.999999 in Unix microseconds.
constexpr std::int64_t min_us = -62'135'596'800LL * us_per_s;
constexpr std::int64_t max_us = 253'402'300'799LL * us_per_s + 999'999;

// Howard Hinnant's days_from_civil / civil_from_days.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t y;
  unsigned m, d;
};
constexpr civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

void put2(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& v) noexcept {
  if (pos + n > s.size()) return false;
  v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

bool set_why(std::string* why, const char* reason) {
  if (why) *why = reason;
  return false;
}

// Parses the RFC 3339 / ISO 8601 forms; fills wall-clock microseconds and the offset.
bool parse_datetime(std::string_view s, std::int64_t& wall_us, std::optional<int>& offset,
                    std::string* why) {
  unsigned y, mo, d;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return set_why(why, "expected YYYY-MM-DD");
  if (y == 0) return set_why(why, "year 0 is out of range");
  if (mo < 1 || mo > 12) return set_why(why, "month out of range");
  if (d < 1 || d > days_in_month(y, mo)) return set_why(why, "day out of range");
  std::int64_t days = days_from_civil(y, mo, d);
  offset.reset();
  if (s.size() == 10) {
    wall_us = days * us_per_day;
    return true;
  }
  char sep = s[10];
  if (sep != 'T' && sep != 't' && sep != ' ' && sep != '_')
    return set_why(why, "expected T between date and time");
  unsigned hh, mm, ss = 0, us = 0;
  if (!digits(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' || !digits(s, 14, 2, mm))
    return set_why(why, "expected HH:MM after the date");
  if (hh > 23) return set_why(why, "hour out of range");
  if (mm > 59) return set_why(why, "minute out of range");
  std::size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!digits(s, pos + 1, 2, ss)) return set_why(why, "expected two digits of seconds");
    if (ss > 59) return set_why(why, "second out of range");
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      std::size_t n = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (n < 6) us = us * 10 + static_cast<unsigned>(s[pos] - '0');  // truncate past 6
        ++n;
        ++pos;
      }
      if (n == 0) return set_why(why, "expected digits after the decimal point");
      for (std::size_t i = n; i < 6; ++i) us *= 10;
    }
  }
  if (pos < s.size()) {
    char z = s[pos];
    if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
      offset = 0;
    } else if (z == '+' || z == '-') {
      unsigned oh, om;
      std::size_t rest = s.size() - pos - 1;
      bool ok = digits(s, pos + 1, 2, oh) &&
                ((rest == 5 && s[pos + 3] == ':' && digits(s, pos + 4, 2, om)) ||
                 (rest == 4 && digits(s, pos + 3, 2, om)));
      if (!ok) return set_why(why, "invalid UTC offset (expected Z, +HH:MM or +HHMM)");
      if (oh > 23 || om > 59) return set_why(why, "UTC offset out of range");
      int minutes = static_cast<int>(oh * 60 + om);
      offset = z == '-' ? -minutes : minutes;
    } else {
      return set_why(why, "unexpected characters after the time");
    }
  }
  wall_us = days * us_per_day + ((hh * 60 + mm) * 60 + ss) * us_per_s + us;
  return true;
}

bool numeric_string(std::string_view s) noexcept {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits_before = 0, digits_after = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits_before;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits_after;
  }
  return i == s.size() && digits_before + digits_after > 0;
}

}  // namespace

timestamp timestamp::now() { return timestamp(std::chrono::floor<microseconds>(clock::now())); }

std::optional<timestamp> timestamp::parse(std::string_view text, std::string* why) {
  std::int64_t wall_us;
  std::optional<int> offset;
  if (parse_datetime(text, wall_us, offset, why)) {
    std::int64_t utc_us = wall_us - std::int64_t{offset.value_or(0)} * 60 * us_per_s;
    return timestamp(time_point(microseconds(utc_us)), offset);
  }
  if (numeric_string(text)) {
    std::string copy(text[0] == '+' ? text.substr(1) : text);
    return from_unix(std::strtod(copy.c_str(), nullptr), why);
  }
  return std::nullopt;
}

// pydantic-core's float_as_datetime: the whole part is floor(x) (then the integer rule, so
// past 2e10 it is milliseconds), the fraction is |x - trunc(x)| in microseconds (divided by
// 1000 past 2e10), rounded half away from zero. For negative values this differs from the
// exact instant; it is what the reference writes back, so it is what we write.
std::optional<timestamp> timestamp::from_unix(double seconds, std::string* why) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > 9e18) {
    set_why(why, "Unix time outside years 1..9999");
    return std::nullopt;
  }
  double fraction_us = std::fabs(seconds - std::trunc(seconds)) * 1e6;
  if (std::fabs(seconds) > ms_watershed) fraction_us /= 1000;
  auto whole = timestamp::from_unix(static_cast<std::int64_t>(std::floor(seconds)), why);
  if (!whole) return std::nullopt;
  std::int64_t total = whole->tp_.time_since_epoch().count() + std::llround(fraction_us);
  if (total > max_us) {
    set_why(why, "Unix time outside years 1..9999");
    return std::nullopt;
  }
  return timestamp(time_point(microseconds(total)), 0);
}

std::optional<timestamp> timestamp::from_unix(std::int64_t seconds, std::string* why) {
  std::int64_t s = seconds, us = 0;
  if (s > 20'000'000'000LL || s < -20'000'000'000LL) {
    us = (s % 1000) * 1000;
    s /= 1000;
    if (us < 0) us += us_per_s, --s;
  }
  if (s < min_us / us_per_s || s > max_us / us_per_s) {
    set_why(why, "Unix time outside years 1..9999");
    return std::nullopt;
  }
  return timestamp(time_point(microseconds(s * us_per_s + us)), 0);
}

void timestamp::append_to(std::string& out) const {
  std::int64_t wall =
      tp_.time_since_epoch().count() + std::int64_t{offset_.value_or(0)} * 60 * us_per_s;
  std::int64_t days = wall >= 0 ? wall / us_per_day : (wall - us_per_day + 1) / us_per_day;
  std::int64_t in_day = wall - days * us_per_day;
  civil c = civil_from_days(days);
  auto y = static_cast<unsigned>(c.y);
  out.push_back(static_cast<char>('0' + y / 1000 % 10));
  out.push_back(static_cast<char>('0' + y / 100 % 10));
  put2(out, y % 100);
  out.push_back('-');
  put2(out, c.m);
  out.push_back('-');
  put2(out, c.d);
  out.push_back('T');
  auto secs = static_cast<unsigned>(in_day / us_per_s);
  auto us = static_cast<unsigned>(in_day % us_per_s);
  put2(out, secs / 3600);
  out.push_back(':');
  put2(out, secs / 60 % 60);
  out.push_back(':');
  put2(out, secs % 60);
  if (us != 0) {
    char frac[7] = {'.'};
    for (int i = 6; i >= 1; --i, us /= 10) frac[i] = static_cast<char>('0' + us % 10);
    out.append(frac, 7);
  }
  if (!offset_) return;
  if (*offset_ == 0) {
    out.push_back('Z');
    return;
  }
  int off = *offset_;
  out.push_back(off < 0 ? '-' : '+');
  if (off < 0) off = -off;
  put2(out, static_cast<unsigned>(off / 60));
  out.push_back(':');
  put2(out, static_cast<unsigned>(off % 60));
}

std::string timestamp::to_string() const {
  std::string out;
  out.reserve(32);
  append_to(out);
  return out;
}

}  // namespace neuromesh::protocol
