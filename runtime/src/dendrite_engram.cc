// The dendrite's Engram and Effector side (§4.6 steps 3–5 and 9, §4.11 rollback, §4.15):
// hosting through an engram_host fed by the inbound pipeline, and the engram_client that
// sends the hosted Axons' binding calls.
#include "dendrite_impl.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/runtime/effector.h"
#include "neuromesh/runtime/engram.h"
#include "neuromesh/runtime/engram_client.h"
#include "neuromesh/runtime/engram_host.h"
#include "neuromesh/runtime/errors.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace neuromesh::runtime {

namespace asio = boost::asio;
using protocol::signal;
using protocol::signal_type;

namespace {

engram_host& hosting_of(dendrite::impl& p, const char* what, const std::string& id) {
  if (p.running)
    throw state_error(std::string(what) + ": dendrite '" + p.o.dendrite_id +
                      "' is running; attach before async_start");
  if (!p.hosting) {
    engram_host_options ho;
    ho.ns = p.o.ns;
    ho.subscribe = false;  // the inbound pipeline feeds it
    p.hosting = std::make_shared<engram_host>(p.ex, p.bus, std::move(ho));
  }
  for (const auto& r : p.hosting->registrations())
    if (r.directed && r.directed->id == id)
      throw usage_error(std::string(what) + ": '" + id + "' is already hosted");
  return *p.hosting;
}

asio::awaitable<void> publish_stopped(std::shared_ptr<dendrite::impl> p, signal ack) {
  co_await p->publish(std::move(ack));
}

asio::awaitable<void> settle_and_ack(std::shared_ptr<dendrite::impl> p, signal stop, bool rollback,
                                     std::size_t cancelled, std::int64_t compensated,
                                     bool had_pathway) {
  auto host = p->hosting;
  const auto undone = co_await host->async_settle(stop.trace_id, rollback);
  compensated += static_cast<std::int64_t>(undone);
  if (cancelled == 0 && compensated == 0 && !had_pathway) co_return;
  ++p->st.stops_acked;
  // Built first: GCC 12 mishandles aggregate temporaries in co_await operands.
  auto ack = protocol::stopped_signal(stop, {.rolled_back = rollback,
                                             .cancelled = static_cast<std::int64_t>(cancelled),
                                             .compensated = compensated,
                                             .node = p->o.ns});
  co_await p->publish(std::move(ack));
}

asio::awaitable<void> final_deregistrations(std::shared_ptr<engram_host> host) {
  co_await host->async_stop();
}

}  // namespace

void dendrite::attach_engram(std::shared_ptr<engram> e) {
  if (!e) throw usage_error("attach_engram: null Engram");
  hosting_of(*impl_, "attach_engram", e->engram_id()).attach(std::move(e));
}

void dendrite::attach_effector(std::shared_ptr<effector> fx) {
  if (!fx) throw usage_error("attach_effector: null Effector");
  hosting_of(*impl_, "attach_effector", fx->effector_id()).attach(std::move(fx));
}

std::shared_ptr<engram_client> dendrite::engram_caller() const noexcept { return impl_->caller; }

asio::awaitable<void> dendrite::impl::start_engrams() {
  auto self_ref = shared_from_this();  // keeps the impl while suspended
  const bool bound =
      std::any_of(axons.begin(), axons.end(), [](const auto& a) { return a->has_bindings(); });
  if (bound && !caller) {
    auto c = std::make_shared<engram_client>(ex, bus, o.ns);
    if (auto ec = co_await c->async_start(); ec)
      spdlog::error("dendrite {}: the bindings' caller could not subscribe: {}", o.dendrite_id,
                    ec.message());
    else
      caller = std::move(c);
  }
  if (!hosting) co_return;
  if (hosting->has_engrams()) {
    co_await ensure_type(signal_type::recall);
    co_await ensure_type(signal_type::imprint);
    co_await ensure_type(signal_type::final);
    co_await ensure_type(signal_type::stop);
  }
  if (hosting->has_effectors()) co_await ensure_type(signal_type::tool_call);
  auto host = hosting;
  if (auto ec = co_await host->async_start(); ec) {
    ++st.publish_errors;
    spdlog::error("dendrite {}: announcing hosted Engrams / Effectors failed: {}", o.dendrite_id,
                  ec.message());
  }
}

asio::awaitable<void> dendrite::impl::stop_caller() {
  auto c = std::move(caller);
  caller.reset();
  if (c) co_await c->async_stop();
}

asio::awaitable<void> dendrite::impl::stop_hosting() {
  auto host = hosting;
  if (host) co_await host->async_stop();
}

void dendrite::impl::abandon_engrams() {
  if (caller) caller.reset();  // its destructor unsubscribes
  if (hosting) spawn(final_deregistrations(hosting), "final DEREGISTER of Engrams");
}

void dendrite::impl::serve_engrams(const signal& s) {
  if (hosting) hosting->serve(s);
}

void dendrite::impl::ack_stop(const signal& stop, bool rollback, std::size_t cancelled,
                              std::int64_t compensated, bool had_pathway) {
  if (hosting && hosting->has_engrams()) {
    spawn(settle_and_ack(shared_from_this(), stop, rollback, cancelled, compensated, had_pathway),
          "STOPPED");
    return;
  }
  if (cancelled == 0 && compensated == 0 && !had_pathway) return;
  ++st.stops_acked;
  auto ack = protocol::stopped_signal(stop, {.rolled_back = rollback,
                                             .cancelled = static_cast<std::int64_t>(cancelled),
                                             .compensated = compensated,
                                             .node = o.ns});
  spawn(publish_stopped(shared_from_this(), std::move(ack)), "STOPPED");
}

}  // namespace neuromesh::runtime
