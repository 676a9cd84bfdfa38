// catalog_service: matches the route, applies rate limits and auth, calls the route file.
#include "neuromesh/catalog/service.h"

#include "errors.h"
#include "instance_table.h"
#include "job_thread.h"
#include "metrics.h"
#include "rate_limiter.h"
#include "routes.h"
#include "target.h"

#include <spdlog/spdlog.h>

#include <openssl/crypto.h>

#include <cmath>
#include <future>
#include <mutex>

namespace neuromesh::catalog {

rate_limits rate_limits::scaled(double factor) const {
  rate_limits r = *this;
  if (factor <= 0) {
    r.enabled = false;
    return r;
  }
  auto scale = [&](int v) {
    return static_cast<int>(std::min(2e9, std::ceil(static_cast<double>(v) * factor)));
  };
  r.register_per_minute = scale(register_per_minute);
  r.heartbeat_per_minute = scale(heartbeat_per_minute);
  r.tools_per_minute = scale(tools_per_minute);
  r.delete_per_minute = scale(delete_per_minute);
  r.failed_auth_per_minute = scale(failed_auth_per_minute);
  return r;
}

struct catalog_service::impl {
  impl(std::unique_ptr<instance_store> store, service_options opts)
      : options(std::move(opts)), table(std::move(store), counters) {}

  service_options options;
  detail::metrics counters;
  detail::instance_table table;
  detail::rate_limiter limiter;
  std::mutex neurons_mu;
  neuron_lister neurons;
  service_extension extension;
  /// Runs the neuron lister (registry store reads) off the I/O threads. Declared last: it
  /// is joined first, before anything its jobs use is destroyed.
  std::unique_ptr<detail::job_thread> reader = std::make_unique<detail::job_thread>();

  response dispatch(const request& req, detail::route_id& route, wall_time now);
  std::optional<response> check_key(const request& req, wall_time now);
  std::optional<response> admit(const request& req, const detail::parsed_target& t, int limit,
                                wall_time now);
  response neurons_route(const detail::parsed_target& t);
};

namespace {

using detail::route_id;

// Constant-time comparison (§5: the reference used ==). Length differences still leak
// the length, which a shared secret of fixed size does not mind.
bool keys_equal(const std::string& given, const std::string& expected) {
  if (given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

response method_not_allowed(std::string_view allow) {
  auto r = detail::error_response(errc::method_not_allowed);
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

}  // namespace

// Failed key checks have their own per-address bucket (the key-guessing throttle, §14) and
// never touch a route's budget.
std::optional<response> catalog_service::impl::check_key(const request& req, wall_time now) {
  if (!options.api_key) return std::nullopt;
  const auto& limits = options.limits;
  std::string failed_key = req.client + "\nauth-failures";
  if (limits.enabled) {
    auto d = limiter.peek(failed_key, limits.failed_auth_per_minute, now);
    if (!d.allowed) {
      counters.count_rate_limited();
      return detail::rate_limited_response(limits.failed_auth_per_minute, d.retry_after);
    }
  }
  if (req.api_key && keys_equal(*req.api_key, *options.api_key)) return std::nullopt;
  counters.count_auth_failure();
  if (limits.enabled) limiter.hit(failed_key, limits.failed_auth_per_minute, now);
  return detail::error_response(errc::invalid_api_key);
}

// A request that passed the key check and its body's validation counts against its
// route's budget, as the reference's limiter (which runs inside the endpoint) counts it.
std::optional<response> catalog_service::impl::admit(const request& req,
                                                     const detail::parsed_target& t, int limit,
                                                     wall_time now) {
  if (!options.limits.enabled) return std::nullopt;
  // slowapi keys by peer address per route; a route with the id in its path gives every
  // instance its own bucket, as the reference's limiter does.
  auto decision = limiter.hit(req.client + '\n' + t.path, limit, now);
  if (decision.allowed) return std::nullopt;
  counters.count_rate_limited();
  return detail::rate_limited_response(limit, decision.retry_after);
}

response catalog_service::impl::neurons_route(const detail::parsed_target& t) {
  neuron_lister lister;
  {
    std::lock_guard lock(neurons_mu);
    lister = neurons;
  }
  bool include_deregistered = false;
  if (auto raw = t.param("include_deregistered")) {
    auto b = detail::parse_bool(*raw);
    if (!b) {
      return detail::validation_response(
          {{boost::json::array{"query", "include_deregistered"},
            "Input should be a valid boolean, unable to interpret input", "bool_parsing",
            boost::json::string(*raw)}});
    }
    include_deregistered = *b;
  }
  if (!lister) return detail::error_response(errc::store_failed);
  // The lister reads the registry store (SQLite may wait out another process's lock):
  // it runs on the reader thread and the session waits for the deferred response.
  auto deferred = std::make_shared<deferred_response>();
  reader->post([lister = std::move(lister), deferred, capability = t.param("capability"),
                include_deregistered] {
    std::optional<std::string> body;
    try {
      body = lister(capability, include_deregistered);
    } catch (const std::exception& e) {
      spdlog::error("catalog /neurons: {}", e.what());
    }
    deferred->complete(body ? detail::json_response(200, std::move(*body))
                            : detail::error_response(errc::store_failed));
  });
  response r;
  r.deferred = std::move(deferred);
  return r;
}

namespace {

struct route_match {
  route_id route = route_id::unmatched;
  bool method_ok = true;
  std::string_view allow;
};

// Which route a path names and whether the method fits it (HEAD serves as GET).
route_match match_route(const std::vector<std::string>& seg, http_method m) {
  const bool get = m == http_method::get || m == http_method::head;
  const bool post = m == http_method::post;
  const bool del = m == http_method::delete_;
  auto one = [&](route_id r, bool ok, std::string_view allow) { return route_match{r, ok, allow}; };
  auto is = [&](std::size_t i, std::string_view s) { return seg.size() > i && seg[i] == s; };
  if (seg.size() == 1) {
    if (is(0, "health")) return one(route_id::health, get, "GET");
    if (is(0, "metrics")) return one(route_id::metrics, get, "GET");
    if (is(0, "hosts")) return one(route_id::hosts, get, "GET");
    if (is(0, "tools")) return one(route_id::tools_list, get, "GET");
    if (is(0, "neurons")) return one(route_id::neurons, get, "GET");
    if (is(0, "instances")) {
      return post ? one(route_id::instances_register, true, "")
                  : one(route_id::instances_list, get, "GET, POST");
    }
  }
  if (seg.size() == 2) {
    if (is(0, "instances")) {
      return del ? one(route_id::instance_delete, true, "")
                 : one(route_id::instance_get, get, "GET, DELETE");
    }
    if (is(0, "tools")) return one(route_id::tool_get, get, "GET");
    if (is(0, "export") && is(1, "superputty")) return one(route_id::export_superputty, get, "GET");
    if (is(0, "export") && is(1, "mobaxterm")) return one(route_id::export_mobaxterm, get, "GET");
  }
  if (seg.size() == 3 && is(0, "instances")) {
    if (is(2, "heartbeat")) return one(route_id::heartbeat, post, "POST");
    if (is(2, "tools")) return one(route_id::tools_update, post, "POST");
  }
  return {};
}

}  // namespace

response catalog_service::impl::dispatch(const request& req, route_id& route, wall_time now) {
  auto t = detail::parse_target(req.target);
  const auto& seg = t.segments;
  auto mt = match_route(seg, req.method);
  route = mt.route;
  if (route == route_id::unmatched) {
    if (extension.handle) {
      if (auto r = extension.handle(req)) {
        route = route_id::extension;
        return std::move(*r);
      }
    }
    return detail::error_response(errc::route_not_found);
  }
  if (!mt.method_ok) return method_not_allowed(mt.allow);
  detail::route_env env{table, options, now, {}};
  const auto& lim = options.limits;
  // admit's state lives here, so the std::function holds one reference and allocates
  // nothing (a capture of all five values would be a heap allocation per write).
  struct admit_args {
    impl* self;
    const request* req;
    const detail::parsed_target* t;
    int limit;
    wall_time now;
  } args{this, &req, &t, 0, now};
  auto write_route = [&](int limit) -> std::optional<response> {
    if (auto denied = check_key(req, now)) return denied;
    args.limit = limit;
    env.admit = [&args] { return args.self->admit(*args.req, *args.t, args.limit, args.now); };
    return std::nullopt;
  };
  switch (route) {
    case route_id::health:
      return detail::health();
    case route_id::metrics: {
      auto text = counters.render(table.live(now), table.size());
      if (extension.metrics) text += extension.metrics();
      auto r = detail::json_response(200, std::move(text));
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return r;
    }
    case route_id::instances_list:
      return detail::list_instances(env, t);
    case route_id::instances_register:
      if (auto g = write_route(lim.register_per_minute)) return std::move(*g);
      return detail::register_instance(env, req);
    case route_id::instance_get:
      return detail::get_instance(env, seg[1]);
    case route_id::instance_delete:
      if (auto g = write_route(lim.delete_per_minute)) return std::move(*g);
      return detail::deregister(env, seg[1]);
    case route_id::heartbeat:
      if (auto g = write_route(lim.heartbeat_per_minute)) return std::move(*g);
      return detail::heartbeat(env, seg[1], req);
    case route_id::tools_update:
      if (auto g = write_route(lim.tools_per_minute)) return std::move(*g);
      return detail::update_tools(env, seg[1], req);
    case route_id::tools_list:
      return detail::list_tools(env, t);
    case route_id::tool_get:
      return detail::get_tool(env, seg[1], t);
    case route_id::hosts:
      return detail::list_hosts(env, t);
    case route_id::export_superputty:
      return detail::export_superputty(env, t);
    case route_id::export_mobaxterm:
      return detail::export_mobaxterm(env, t);
    case route_id::neurons:
      return neurons_route(t);
    default:
      return detail::error_response(errc::route_not_found);
  }
}

catalog_service::catalog_service(std::unique_ptr<instance_store> store, service_options options)
    : impl_(std::make_unique<impl>(std::move(store), std::move(options))) {}

catalog_service::~catalog_service() = default;

response catalog_service::handle(const request& req) {
  auto route = route_id::unmatched;
  // Built in place (no default-constructed response to overwrite: its content type alone
  // is an allocation).
  response r = [&] {
    try {
      return impl_->dispatch(req, route, impl_->options.clock());
    } catch (const std::exception& e) {
      // A bug, not bad input: log it, answer 500 and keep serving.
      spdlog::error("catalog: {} {} failed: {}", detail::route_template(route), req.target,
                    e.what());
      return detail::json_response(500, std::string(R"({"detail":"Internal Server Error"})"));
    }
  }();
  impl_->counters.count_request(route, r.status);
  return r;
}

response catalog_service::reject_too_large(const request& head) {
  auto t = detail::parse_target(head.target);
  auto r = detail::error_response(errc::payload_too_large);
  impl_->counters.count_request(match_route(t.segments, head.method).route, r.status);
  return r;
}

response catalog_service::write_failed(const request& head) {
  auto t = detail::parse_target(head.target);
  auto r = detail::error_response(errc::store_failed);
  impl_->counters.count_store_failure();
  impl_->counters.count_request(match_route(t.segments, head.method).route, r.status);
  return r;
}

void catalog_service::sweep(std::function<void(sweep_result)> done) {
  auto now = impl_->options.clock();
  auto out = impl_->table.sweep(now, impl_->options.retention);
  impl_->limiter.forget_expired(now);
  impl_->counters.count_sweep(out.counts.marked_inactive, out.counts.garbage_collected);
  if (!out.pending) {
    if (done) done(out.counts);
    return;
  }
  out.pending->on_done([impl = impl_.get(), counts = out.counts, done = std::move(done)](bool ok) {
    auto result = counts;
    result.store_ok = ok;
    if (!ok) impl->counters.count_store_failure();
    if (done) done(result);
  });
}

sweep_result catalog_service::sweep() {
  std::promise<sweep_result> settled;
  auto result = settled.get_future();
  sweep([&settled](sweep_result r) { settled.set_value(r); });
  return result.get();
}

void catalog_service::set_neuron_lister(neuron_lister lister) {
  std::lock_guard lock(impl_->neurons_mu);
  impl_->neurons = std::move(lister);
}

void catalog_service::set_extension(service_extension extension) {
  impl_->extension = std::move(extension);
}

std::size_t catalog_service::live_instances() const {
  return impl_->table.live(impl_->options.clock());
}

}  // namespace neuromesh::catalog
