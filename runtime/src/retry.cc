#include "neuromesh/runtime/retry.h"

#include "neuromesh/runtime/errors.h"

#include <boost/json/object.hpp>

namespace neuromesh::runtime {

bool default_retry_on(const outcome& o) {
  if (!o) return o.error() == errc::timeout || o.error() == errc::pathway_closed;
  if (o->type != protocol::signal_type::error) return false;
  auto rec = o->payload.find("recoverable");
  return rec && *rec == "true";
}

retry_policy::retry_policy(retry_strategy s) : s_(std::move(s)) {
  if (s_.max_attempts < 1)
    throw usage_error("retry_strategy: max_attempts must be >= 1, got " +
                      std::to_string(s_.max_attempts));
  if (!s_.retry_on) s_.retry_on = default_retry_on;
}

retry_policy::decision retry_policy::after(int attempt, const outcome& o) {
  decision d;
  if (!s_.retry_on(o)) return d;
  d.stop_abandoned = s_.new_trace;
  if (attempt + 1 >= s_.max_attempts) return d;
  d.retry = true;
  if (s_.on_retry) s_.on_retry(attempt, o);
  if (s_.backoff) d.pause = s_.backoff(attempt);
  return d;
}

}  // namespace neuromesh::runtime
