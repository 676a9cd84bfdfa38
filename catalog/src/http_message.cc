#include "neuromesh/catalog/http_message.h"

namespace neuromesh::catalog {

const std::string& response::text() const {
  static const std::string empty;
  return body ? *body : empty;
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

}  // namespace neuromesh::catalog
