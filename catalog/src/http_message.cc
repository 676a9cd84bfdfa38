#include "neuromesh/catalog/http_message.h"

namespace neuromesh::catalog {

const std::string& response::text() const {
  static const std::string empty;
  return body ? *body : empty;
}

void deferred_response::on_done(std::function<void(response)> fn) {
  std::unique_lock lock(mu_);
  if (!ready_) {
    fn_ = std::move(fn);
    return;
  }
  auto r = *ready_;
  lock.unlock();
  fn(std::move(r));
}

void deferred_response::complete(response r) {
  std::function<void(response)> fn;
  {
    std::lock_guard lock(mu_);
    if (ready_) return;
    ready_ = std::make_shared<response>(r);
    fn = std::move(fn_);
  }
  cv_.notify_all();
  if (fn) fn(std::move(r));
}

response deferred_response::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return ready_ != nullptr; });
  return *ready_;
}

void pending_write::on_done(std::function<void(bool)> fn) {
  std::unique_lock lock(mu_);
  if (!settled_) {
    fn_ = std::move(fn);
    return;
  }
  bool ok = ok_;
  lock.unlock();
  fn(ok);
}

void pending_write::complete(bool ok) {
  std::function<void(bool)> fn;
  {
    std::lock_guard lock(mu_);
    if (settled_) return;
    settled_ = true;
    ok_ = ok;
    fn = std::move(fn_);
  }
  if (fn) fn(ok);
}

bool pending_write::settled() const {
  std::lock_guard lock(mu_);
  return settled_;
}

bool pending_write::ok() const {
  std::lock_guard lock(mu_);
  return ok_;
}

bool event_stream::push(std::string_view text) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    if (queued_.size() + text.size() > max_queued_) {
      closed_ = true;
      overflowed_ = true;
      queued_.clear();
    } else {
      queued_.append(text);
    }
    wake = std::move(wake_);
    wake_ = nullptr;
  }
  if (wake) wake();
  return !overflowed();
}

void event_stream::close() noexcept {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    wake = std::move(wake_);
    wake_ = nullptr;
  }
  if (wake) wake();
}

bool event_stream::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

bool event_stream::overflowed() const {
  std::lock_guard lock(mu_);
  return overflowed_;
}

event_stream::poll_result event_stream::poll(std::string& out, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  if (!queued_.empty()) {
    if (out.empty()) {
      out.swap(queued_);
    } else {
      out += queued_;
      queued_.clear();
    }
    return poll_result::data;
  }
  if (closed_) return poll_result::closed;
  wake_ = std::move(wake);
  return poll_result::wait;
}

}  // namespace neuromesh::catalog
