#pragma once
// Dendrite test helpers: a wire tap and default options.

#include "neuromesh/protocol/subject.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/synapse/synapse.h"
#include "runtime_test_support.h"

#include <memory>
#include <vector>

namespace neuromesh::runtime::test {

/// Records every Signal of namespace dev (fill with tap_into).
class tap {
 public:
  tap() : seen(std::make_shared<std::vector<protocol::signal>>()) {}
  std::shared_ptr<std::vector<protocol::signal>> seen;
  std::vector<protocol::signal> of(protocol::signal_type t) const {
    std::vector<protocol::signal> out;
    for (const auto& s : *seen)
      if (s.type == t) out.push_back(s);
    return out;
  }
  std::size_t count(protocol::signal_type t) const { return of(t).size(); }
};

inline asio::awaitable<void> tap_into(synapse::synapse* bus,
                                      std::shared_ptr<std::vector<protocol::signal>> seen) {
  EXPECT_FALSE(co_await bus->async_connect());
  // Operands as locals: GCC 12 destroys a lambda temporary in a co_await operand twice.
  std::string subject = protocol::namespace_wildcard("dev");
  synapse::handler h = [seen](const protocol::signal& s) { seen->push_back(s); };
  auto r = co_await bus->async_subscribe(std::move(subject), std::move(h), std::nullopt);
  EXPECT_TRUE(r);
}

inline dendrite_options test_options(std::string id, role r = role::orchestrator) {
  dendrite_options o;
  o.ns = "dev";
  o.dendrite_id = std::move(id);
  o.role = r;
  o.heartbeat = std::chrono::milliseconds(0);
  o.discover_jitter = std::chrono::milliseconds(1);
  o.drain_timeout = std::chrono::milliseconds(200);
  return o;
}

inline axon echo_axon(std::string id, std::vector<std::string> caps = {}, bool catch_all = false) {
  return axon({.neuron_id = std::move(id),
               .neuron = echo_neuron,
               .capabilities = std::move(caps),
               .catch_all = catch_all});
}

/// Publishes s on its subject (a raw peer, no dendrite).
inline asio::awaitable<void> inject(synapse::synapse* bus, protocol::signal s) {
  auto subject = protocol::subject_for("dev", s);
  EXPECT_FALSE(co_await bus->async_publish(std::move(subject), std::move(s)));
}

}  // namespace neuromesh::runtime::test
