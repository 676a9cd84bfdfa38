#pragma once
// What tasks_watch and memories_watch share: catch the fold up, re-evaluate the filter when
// the fold's change epoch moved, emit only a result different from the last one emitted,
// and sleep on the log's append notifier in between.
//
// Core must have `fold` (a fold_core) and `find_many(Filter)`.

#include "fold_core.h"
#include "neuromesh/cortex/errc.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/result.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

namespace neuromesh::cortex::detail {

template <class Core, class T, class Filter>
std::optional<std::vector<T>> watch_try_next(Core& c, const Filter& f,
                                             std::optional<std::vector<T>>& last,
                                             std::uint64_t& epoch) {
  c.fold->catch_up();
  auto now = c.fold->changed.epoch();
  if (last && now == epoch) return std::nullopt;
  epoch = now;
  auto r = c.find_many(f);
  if (last && r == *last) return std::nullopt;
  last = r;
  return r;
}

template <class Core>
bool watch_finished(Core& c) {
  auto& file = c.fold->file();
  return file.closed() && c.fold->position() >= file.next_seq();
}

template <class Core, class T, class Filter>
boost::system::result<std::vector<T>> watch_next(Core& c, const Filter& f,
                                                 std::optional<std::vector<T>>& last,
                                                 std::uint64_t& epoch,
                                                 std::chrono::nanoseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  for (;;) {
    // Read the position before evaluating: an append after it wakes the wait below.
    auto seen = c.fold->position();
    if (auto r = watch_try_next(c, f, last, epoch)) return std::move(*r);
    if (watch_finished(c)) return make_error_code(errc::closed);
    if (!c.fold->file().wait_for_append(std::max(seen, c.fold->position()), deadline)) {
      if (auto r = watch_try_next(c, f, last, epoch)) return std::move(*r);
      if (watch_finished(c)) return make_error_code(errc::closed);
      return make_error_code(errc::timeout);
    }
  }
}

template <class Core, class T, class Filter>
boost::asio::awaitable<boost::system::result<std::vector<T>>> watch_async_next(
    std::shared_ptr<Core> c, const Filter* f_p, std::optional<std::vector<T>>* last_p,
    std::uint64_t* epoch_p) {
  const auto& f = *f_p;
  auto& last = *last_p;
  auto& epoch = *epoch_p;
  for (;;) {
    auto seen = c->fold->position();
    if (auto r = watch_try_next(*c, f, last, epoch)) co_return std::move(*r);
    if (watch_finished(*c)) co_return make_error_code(errc::closed);
    if (!co_await c->fold->file().async_wait_for_append(std::max(seen, c->fold->position()))) {
      if (auto r = watch_try_next(*c, f, last, epoch)) co_return std::move(*r);
      if (watch_finished(*c)) co_return make_error_code(errc::closed);
      co_return make_error_code(boost::asio::error::operation_aborted);
    }
  }
}

}  // namespace neuromesh::cortex::detail
