#include "event_codec.h"

#include "le.h"

#include <fmt/format.h>
#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

namespace neuromesh::cortex::detail {
namespace {

std::uint32_t event_checksum(std::string_view meta_zeroed, std::string_view body) {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  XXH3_64bits_update(&st, meta_zeroed.data(), meta_zeroed.size());
  XXH3_64bits_update(&st, body.data(), body.size());
  return static_cast<std::uint32_t>(XXH3_64bits_digest(&st));
}

}  // namespace

event_writer::event_writer(std::uint8_t dispatch, std::uint64_t origin, std::uint64_t ts_ns) {
  buf_.reserve(96);
  buf_.resize(event_meta_size, '\0');
  buf_[0] = static_cast<char>(dispatch);
  put_u64(buf_.data() + 4, origin);
  put_u64(buf_.data() + 12, ts_ns);
}

event_writer& event_writer::reserve(std::size_t n) {
  buf_.reserve(buf_.size() + n);
  return *this;
}

event_writer& event_writer::u64(std::uint64_t v) {
  char b[8];
  put_u64(b, v);
  buf_.append(b, 8);
  return *this;
}

event_writer& event_writer::u8(std::uint8_t v) {
  buf_.push_back(static_cast<char>(v));
  return *this;
}

event_writer& event_writer::str(std::string_view s) {
  char b[4];
  put_u32(b, static_cast<std::uint32_t>(s.size()));
  buf_.append(b, 4);
  buf_.append(s);
  return *this;
}

event_writer& event_writer::strs(const std::vector<std::string>& v) {
  char b[4];
  put_u32(b, static_cast<std::uint32_t>(v.size()));
  buf_.append(b, 4);
  for (const auto& s : v) str(s);
  return *this;
}

std::string event_writer::finish() {
  std::string_view all(buf_);
  auto sum = event_checksum(all.substr(0, event_meta_size), all.substr(event_meta_size));
  put_u32(buf_.data() + 20, sum);
  return std::move(buf_);
}

event_reader::event_reader(std::string_view p) {
  if (p.size() < event_meta_size) {
    error_ = fmt::format("event is {} bytes, shorter than its 24-byte meta", p.size());
    return;
  }
  meta_.dispatch = static_cast<std::uint8_t>(p[0]);
  meta_.flags = static_cast<std::uint8_t>(p[1]);
  meta_.origin = get_u64(p.data() + 4);
  meta_.ts_ns = get_u64(p.data() + 12);
  char zeroed[event_meta_size];
  std::memcpy(zeroed, p.data(), event_meta_size);
  std::memset(zeroed + 20, 0, 4);
  auto want = event_checksum({zeroed, event_meta_size}, p.substr(event_meta_size));
  if (get_u32(p.data() + 20) != want) {
    error_ = fmt::format("meta.checksum 0x{:08x} does not match the event (0x{:08x})",
                         get_u32(p.data() + 20), want);
    return;
  }
  rest_ = p.substr(event_meta_size);
}

bool event_reader::need(const char* field, std::size_t n) {
  if (!ok()) return false;
  if (rest_.size() >= n) return true;
  error_ = fmt::format("{}: needs {} bytes, {} left", field, n, rest_.size());
  return false;
}

bool event_reader::u64(const char* field, std::uint64_t& v) {
  if (!need(field, 8)) return false;
  v = get_u64(rest_.data());
  rest_.remove_prefix(8);
  return true;
}

bool event_reader::u8(const char* field, std::uint8_t& v) {
  if (!need(field, 1)) return false;
  v = static_cast<std::uint8_t>(rest_[0]);
  rest_.remove_prefix(1);
  return true;
}

bool event_reader::str(const char* field, std::string& v) {
  if (!need(field, 4)) return false;
  auto n = get_u32(rest_.data());
  rest_.remove_prefix(4);
  if (!need(field, n)) return false;
  v.assign(rest_.data(), n);
  rest_.remove_prefix(n);
  return true;
}

bool event_reader::strs(const char* field, std::vector<std::string>& v) {
  if (!need(field, 4)) return false;
  auto n = get_u32(rest_.data());
  rest_.remove_prefix(4);
  if (n > rest_.size() / 4) {  // each string needs at least its 4-byte length
    error_ = fmt::format("{}: count {} cannot fit in {} bytes", field, n, rest_.size());
    return false;
  }
  v.clear();
  v.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string s;
    if (!str(field, s)) return false;
    v.push_back(std::move(s));
  }
  return true;
}

bool event_reader::done() {
  if (!ok()) return false;
  if (rest_.empty()) return true;
  error_ = fmt::format("{} unexpected bytes after the last field", rest_.size());
  return false;
}

}  // namespace neuromesh::cortex::detail
