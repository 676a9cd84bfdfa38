#include "neuromesh/runtime/engram_host.h"

#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/runtime/engram_wire.h"
#include "neuromesh/synapse/synapse.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <stdexcept>

namespace neuromesh::runtime {

namespace asio = boost::asio;
using protocol::signal;
using protocol::signal_type;

struct engram_host::state : std::enable_shared_from_this<engram_host::state> {
  state(asio::any_io_executor e, synapse::synapse& b, engram_host_options o)
      : ex(std::move(e)),
        bus(b),
        options(std::move(o)),
        pool(std::max<std::size_t>(1, options.threads)) {}

  asio::any_io_executor ex;
  synapse::synapse& bus;
  engram_host_options options;
  asio::thread_pool pool;
  std::vector<std::shared_ptr<engram>> engrams;
  std::vector<std::shared_ptr<effector>> effectors;
  std::vector<synapse::subscription> subscriptions;
  bool started = false;
  bool stopped = false;
  std::atomic<std::uint64_t> recalls{0}, imprints{0}, tool_calls{0}, error_replies{0}, commits{0},
      compensated{0}, publish_errors{0}, overloaded{0};
  std::atomic<std::size_t> queued{0};  // requests posted to the pool, not yet running

  void count_reply(const signal& r) {
    if (r.payload.find("error")) ++error_replies;
  }
  std::vector<signal> handle(const signal& s);
  /// The "overloaded" replies to a request shed without running it.
  std::vector<signal> shed(const signal& s);
  std::size_t settle(const std::string& trace, bool rollback);
};

namespace {

// Publishes one reply; failures are counted and logged, never thrown.
asio::awaitable<void> async_publish_reply(std::shared_ptr<engram_host::state> st, signal reply) {
  const auto subject = protocol::subject_for(st->options.ns, reply.type);
  std::string target = subject;
  if (auto ec = co_await st->bus.async_publish(std::move(target), std::move(reply)); ec) {
    ++st->publish_errors;
    spdlog::warn("engram host: publishing a reply on {} failed: {}", subject, ec.message());
  }
}

struct publish_done {
  std::shared_ptr<engram_host::state> st;
  void operator()(std::exception_ptr e) const {
    if (!e) return;
    ++st->publish_errors;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("engram host: reply coroutine failed: {}", ex.what());
    }
  }
};

void publish_all(const std::shared_ptr<engram_host::state>& st, std::vector<signal> replies) {
  for (auto& r : replies)
    asio::co_spawn(st->ex, async_publish_reply(st, std::move(r)), publish_done{st});
}

bool is_request(signal_type t) noexcept {
  return t == signal_type::recall || t == signal_type::imprint || t == signal_type::tool_call;
}

// Runs handle() on the pool and publishes what it returns; a request finding max_queued
// others waiting is answered "overloaded" at once instead.
void serve_on_pool(const std::shared_ptr<engram_host::state>& st, const signal& s) {
  const bool request = is_request(s.type);
  if (request) {
    const auto limit = st->options.max_queued;
    if (limit > 0 && st->queued.fetch_add(1) >= limit) {
      --st->queued;
      ++st->overloaded;
      publish_all(st, st->shed(s));
      return;
    }
  }
  asio::post(st->pool, [st, s, request] {
    if (request) --st->queued;
    std::vector<signal> replies;
    try {
      replies = st->handle(s);
    } catch (const std::exception& e) {
      spdlog::error("engram host: serving {} {} failed: {}", protocol::to_string(s.type),
                    s.id.str(), e.what());
      return;
    }
    publish_all(st, std::move(replies));
  });
}

}  // namespace

std::vector<signal> engram_host::state::handle(const signal& s) {
  std::vector<signal> out;
  switch (s.type) {
    case signal_type::recall:
      for (auto& e : engrams)
        if (auto r = serve_recall(*e, s)) {
          ++recalls;
          count_reply(*r);
          out.push_back(std::move(*r));
        }
      break;
    case signal_type::imprint:
      for (auto& e : engrams)
        if (auto r = serve_imprint(*e, s)) {
          ++imprints;
          count_reply(*r);
          out.push_back(std::move(*r));
        }
      break;
    case signal_type::tool_call:
      for (auto& fx : effectors)
        if (auto r = serve_tool_call(*fx, s)) {
          ++tool_calls;
          count_reply(*r);
          out.push_back(std::move(*r));
        }
      break;
    case signal_type::final:
      for (auto& e : engrams)
        if (e->commit(s.trace_id.str())) ++commits;
      break;
    case signal_type::stop: {
      const bool rollback = s.payload.find("rollback") == std::optional<std::string_view>("true");
      const auto undone = static_cast<std::int64_t>(settle(s.trace_id.str(), rollback));
      if (undone > 0)
        out.push_back(protocol::stopped_signal(
            s,
            {.rolled_back = rollback, .cancelled = 0, .compensated = undone, .node = options.ns}));
      break;
    }
    default:
      break;
  }
  return out;
}

std::vector<signal> engram_host::state::shed(const signal& s) {
  std::vector<signal> out;
  const auto why = [this](const std::string& who) {
    return who + " has " + std::to_string(options.max_queued) + " calls waiting (max_queued)";
  };
  const auto p = s.payload.to_json();
  const auto text = [&p](const char* key) -> std::optional<std::string> {
    const auto* v = p.if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
  };
  if (s.type == signal_type::recall) {
    for (auto& e : engrams)
      if (addresses(*e, s.directed))
        out.push_back(recalled_error(*e, s, "engram_overloaded: " + why(e->engram_id())));
  } else if (s.type == signal_type::imprint) {
    for (auto& e : engrams)
      if (addresses(*e, s.directed)) {
        imprint_receipt r;
        r.engram_id = e->engram_id();
        r.op = imprint_op_from_string(text("op").value_or("")).value_or(imprint_op::add);
        r.error = "engram_overloaded: " + why(e->engram_id());
        out.push_back(imprinted_reply(*e, s, r));
      }
  } else if (s.type == signal_type::tool_call) {
    const auto tool = text("tool").value_or("");
    const bool by_id = s.directed && s.directed->id && !s.directed->id->empty();
    for (auto& fx : effectors)
      if (addresses(*fx, s.directed) && (by_id || fx->can_serve(tool))) {
        tool_outcome o;
        o.tool = tool;
        o.call_id = text("call_id");
        o.error = "effector_overloaded: " + why(fx->effector_id());
        out.push_back(tool_result_reply(*fx, s, o));
      }
  }
  error_replies += out.size();
  return out;
}

std::size_t engram_host::state::settle(const std::string& trace, bool rollback) {
  std::size_t undone = 0;
  for (auto& e : engrams) {
    if (rollback) {
      if (auto n = e->compensate(trace))
        undone += *n;
      else
        spdlog::warn("engram host: compensating trace {} on {} failed: {}", trace, e->engram_id(),
                     n.error().message);
    } else if (e->commit(trace)) {
      ++commits;
    }
  }
  compensated += undone;
  return undone;
}

engram_host::engram_host(asio::any_io_executor ex, synapse::synapse& bus,
                         engram_host_options options)
    : state_(std::make_shared<state>(std::move(ex), bus, std::move(options))) {}

engram_host::~engram_host() {
  for (auto& sub : state_->subscriptions) sub.unsubscribe();
  state_->pool.join();
}

void engram_host::attach(std::shared_ptr<engram> e) {
  if (state_->started) throw std::logic_error("engram_host::attach after async_start");
  state_->engrams.push_back(std::move(e));
}

void engram_host::attach(std::shared_ptr<effector> fx) {
  if (state_->started) throw std::logic_error("engram_host::attach after async_start");
  state_->effectors.push_back(std::move(fx));
}

std::vector<signal> engram_host::registrations() const {
  std::vector<signal> out;
  for (const auto& e : state_->engrams)
    out.push_back(protocol::register_signal({.id = e->engram_id(),
                                             .kind = e->engram_kind(),
                                             .capabilities = e->capabilities(),
                                             .role = "engram",
                                             .version = e->version().value_or("")}));
  for (const auto& fx : state_->effectors)
    out.push_back(protocol::register_signal({.id = fx->effector_id(),
                                             .kind = fx->effector_kind(),
                                             .capabilities = fx->tools(),
                                             .role = "effector",
                                             .version = fx->version().value_or("")}));
  return out;
}

std::vector<signal> engram_host::deregistrations() const {
  std::vector<signal> out;
  for (const auto& e : state_->engrams) out.push_back(protocol::deregister_signal(e->engram_id()));
  for (const auto& fx : state_->effectors)
    out.push_back(protocol::deregister_signal(fx->effector_id()));
  return out;
}

bool engram_host::has_engrams() const noexcept { return !state_->engrams.empty(); }
bool engram_host::has_effectors() const noexcept { return !state_->effectors.empty(); }

namespace {

// The subscription handler: hands each Signal to the pool.
struct inbound {
  std::weak_ptr<engram_host::state> st;
  void operator()(const signal& s) const {
    if (auto locked = st.lock()) serve_on_pool(locked, s);
  }
};

}  // namespace

asio::awaitable<boost::system::error_code> engram_host::async_start() {
  auto st = state_;
  if (st->started && !st->stopped) co_return boost::system::error_code{};
  st->started = true;
  st->stopped = false;
  static constexpr signal_type engram_types[] = {signal_type::recall, signal_type::imprint,
                                                 signal_type::final, signal_type::stop};
  std::vector<signal_type> types;  // none without subscribe: the owner feeds serve()
  if (st->options.subscribe && !st->engrams.empty())
    for (auto t : engram_types) types.push_back(t);
  if (st->options.subscribe && !st->effectors.empty()) types.push_back(signal_type::tool_call);
  for (auto t : types) {
    // Named arguments: GCC 12 mishandles temporaries in co_await operands.
    auto subject = protocol::subject_for(st->options.ns, t);
    synapse::handler h = inbound{st};
    std::optional<std::string> group;
    auto sub = co_await st->bus.async_subscribe(std::move(subject), std::move(h), std::move(group));
    if (!sub) co_return sub.error();
    st->subscriptions.push_back(*sub);
  }
  for (auto& r : registrations()) {
    auto subject = protocol::subject_for(st->options.ns, r.type);
    if (auto ec = co_await st->bus.async_publish(std::move(subject), std::move(r)); ec)
      co_return ec;
  }
  co_return boost::system::error_code{};
}

asio::awaitable<void> engram_host::async_stop() {
  auto st = state_;
  for (auto& sub : st->subscriptions) sub.unsubscribe();
  st->subscriptions.clear();
  if (!st->started || st->stopped) co_return;
  st->stopped = true;
  for (auto& d : deregistrations()) {
    auto subject = protocol::subject_for(st->options.ns, d.type);
    if (auto ec = co_await st->bus.async_publish(std::move(subject), std::move(d)); ec) {
      ++st->publish_errors;
      spdlog::warn("engram host: publishing DEREGISTER failed: {}", ec.message());
    }
  }
}

std::vector<signal> engram_host::handle(const signal& s) { return state_->handle(s); }

void engram_host::serve(const signal& s) { serve_on_pool(state_, s); }

namespace {

asio::awaitable<std::size_t> settle_on_pool(std::shared_ptr<engram_host::state> st,
                                            std::string trace, bool rollback) {
  co_return st->settle(trace, rollback);
}

}  // namespace

asio::awaitable<std::size_t> engram_host::async_settle(protocol::trace_id trace, bool rollback) {
  auto st = state_;
  if (st->engrams.empty()) co_return 0;
  auto work = settle_on_pool(st, trace.str(), rollback);
  auto pool = st->pool.get_executor();
  co_return co_await asio::co_spawn(pool, std::move(work), asio::use_awaitable);
}

engram_host_stats engram_host::stats() const noexcept {
  engram_host_stats s;
  s.recalls = state_->recalls.load();
  s.imprints = state_->imprints.load();
  s.tool_calls = state_->tool_calls.load();
  s.error_replies = state_->error_replies.load();
  s.commits = state_->commits.load();
  s.compensated = state_->compensated.load();
  s.publish_errors = state_->publish_errors.load();
  s.overloaded = state_->overloaded.load();
  return s;
}

}  // namespace neuromesh::runtime
