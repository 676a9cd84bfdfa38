#include "neuromesh/cortex/redex_file.h"

#include "file_state.h"
#include "le.h"

#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace neuromesh::cortex {

std::uint64_t redex_event::target() const noexcept {
  return tombstone && payload.size() == 8 ? detail::get_u64(payload.data()) : 0;
}

// --- tail -------------------------------------------------------------------------------

redex_tail::redex_tail(std::shared_ptr<detail::file_state> f, std::uint64_t from)
    : f_(std::move(f)), next_(from) {}
redex_tail::redex_tail(redex_tail&&) noexcept = default;
redex_tail& redex_tail::operator=(redex_tail&&) noexcept = default;
redex_tail::~redex_tail() = default;

std::optional<redex_event> redex_tail::try_next() { return f_->next_from(next_, skipped_); }

boost::system::result<redex_event> redex_tail::next(std::chrono::nanoseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  for (;;) {
    auto epoch = f_->appended.epoch();
    if (auto e = try_next()) return std::move(*e);
    if (f_->closed()) return make_error_code(errc::closed);
    if (!f_->appended.wait_until(epoch, deadline)) {
      if (auto e = try_next()) return std::move(*e);
      return make_error_code(errc::timeout);
    }
  }
}

boost::asio::awaitable<boost::system::result<redex_event>> redex_tail::async_next() {
  for (;;) {
    auto epoch = f_->appended.epoch();
    if (auto e = try_next()) co_return std::move(*e);
    if (f_->closed()) co_return make_error_code(errc::closed);
    if (!co_await f_->appended.async_wait(epoch))
      co_return make_error_code(boost::asio::error::operation_aborted);
  }
}

// --- file -------------------------------------------------------------------------------

redex_file::redex_file(std::shared_ptr<detail::file_state> f) : f_(std::move(f)) {}
redex_file::~redex_file() { (void)f_->close(); }

const channel_name& redex_file::name() const noexcept { return f_->name; }
const redex_file_config& redex_file::config() const noexcept { return f_->config; }

boost::system::result<std::uint64_t> redex_file::append(std::string_view payload) {
  return f_->append({&payload, 1});
}

boost::system::result<std::uint64_t> redex_file::append_batch(
    std::span<const std::string_view> payloads) {
  return f_->append(payloads);
}

boost::system::result<std::uint64_t> redex_file::append_batch(
    std::span<const std::string> payloads) {
  std::vector<std::string_view> views(payloads.begin(), payloads.end());
  return f_->append(views);
}

boost::system::result<std::uint64_t> redex_file::tombstone(std::uint64_t target) {
  return f_->tombstone(target);
}

std::vector<redex_event> redex_file::read(std::uint64_t from, std::size_t n) const {
  return f_->read(from, n);
}

redex_tail redex_file::tail(std::uint64_t from) const { return redex_tail(f_, from); }

std::uint64_t redex_file::sweep_retention() { return f_->sweep(); }
boost::system::result<void> redex_file::sync() { return f_->sync(); }
boost::system::result<void> redex_file::close() { return f_->close(); }
bool redex_file::closed() const noexcept { return f_->closed(); }
std::uint64_t redex_file::next_seq() const noexcept { return f_->next_seq(); }
redex_stats redex_file::stats() const { return f_->stats(); }

bool redex_file::wait_for_append(std::uint64_t seen_next,
                                 std::chrono::steady_clock::time_point deadline) const {
  for (;;) {
    auto epoch = f_->appended.epoch();
    if (f_->next_seq() > seen_next) return true;
    if (f_->closed()) return false;
    if (!f_->appended.wait_until(epoch, deadline)) return f_->next_seq() > seen_next;
  }
}

boost::asio::awaitable<bool> redex_file::async_wait_for_append(std::uint64_t seen_next) const {
  auto f = f_;
  for (;;) {
    auto epoch = f->appended.epoch();
    if (f->next_seq() > seen_next) co_return true;
    if (f->closed()) co_return false;
    if (!co_await f->appended.async_wait(epoch)) co_return false;
  }
}

// --- fsync policy -----------------------------------------------------------------------

boost::system::result<fsync_policy> fsync_policy::parse(std::string_view t) {
  auto number = [](std::string_view s) -> std::optional<std::uint64_t> {
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + std::uint64_t(c - '0');
    }
    return v;
  };
  if (t == "never") return never();
  if (t == "always") return always();
  if (t.starts_with("every:")) {
    if (auto n = number(t.substr(6)); n && *n >= 1) return every_n(*n);
  } else if (t.starts_with("interval:")) {
    if (auto n = number(t.substr(9)); n && *n >= 1)
      return interval(std::chrono::milliseconds(static_cast<std::int64_t>(*n)));
  }
  return make_error_code(errc::invalid_config);
}

std::string fsync_policy::str() const {
  switch (mode) {
    case kind::never:
      return "never";
    case kind::every_n:
      return n == 1 ? "always" : fmt::format("every:{}", n);
    case kind::interval:
      return fmt::format("interval:{}", period.count());
  }
  return "never";
}

}  // namespace neuromesh::cortex
