// The node's part of GET /metrics: Signals, tasks and latencies (signal_stats), the broker's
// and the Synapse client's counters, the registry by liveness, the mirror, the store's
// retries and the page streams. The catalog's own counters come before these.
#include "node_impl.h"

#include <fmt/format.h>

namespace neuromesh::node {
namespace {

void metric(std::string& out, std::string_view type, std::string_view name, std::string_view help,
            std::uint64_t v) {
  out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, v);
}
void counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t v) {
  metric(out, "counter", name, help, v);
}
void gauge(std::string& out, std::string_view name, std::string_view help, std::uint64_t v) {
  metric(out, "gauge", name, help, v);
}

}  // namespace

std::string node::impl::render_metrics() const {
  std::string out = stats.render();
  if (broker) {
    auto b = broker->stats();
    gauge(out, "neuromesh_broker_connections", "cosmo:// sessions connected now.",
          broker->session_count());
    gauge(out, "neuromesh_broker_subscriptions", "Live subscriptions on the broker.",
          b.subscriptions);
    counter(out, "neuromesh_broker_connections_total", "cosmo:// sessions accepted.",
            b.sessions_opened);
    counter(out, "neuromesh_broker_published_total", "pub ops routed.", b.published);
    counter(out, "neuromesh_broker_delivered_total", "msg lines queued to subscribers.",
            b.delivered);
    counter(out, "neuromesh_broker_bytes_in_total", "Bytes read from sessions.", b.bytes_in);
    counter(out, "neuromesh_broker_bytes_out_total", "Bytes written to sessions.", b.bytes_out);
    counter(out, "neuromesh_broker_slow_consumers_total",
            "Sessions cut off because their outbound queue overflowed.", b.slow_consumers);
    out +=
        "# HELP neuromesh_broker_rejected_total Lines the broker answered with err, by reason.\n"
        "# TYPE neuromesh_broker_rejected_total counter\n";
    out += fmt::format("neuromesh_broker_rejected_total{{reason=\"bad_json\"}} {}\n", b.bad_json);
    out +=
        fmt::format("neuromesh_broker_rejected_total{{reason=\"unknown_op\"}} {}\n", b.unknown_ops);
    out += fmt::format("neuromesh_broker_rejected_total{{reason=\"missing_field\"}} {}\n",
                       b.missing_fields);
    out += fmt::format("neuromesh_broker_rejected_total{{reason=\"line_too_long\"}} {}\n",
                       b.lines_too_long);
  }
  if (bus) {
    auto c = bus->stats();
    counter(out, "neuromesh_node_synapse_decode_errors_total",
            "Frames on the namespace that were not valid Signals.", c.decode_errors);
    counter(out, "neuromesh_node_synapse_reconnects_total", "Synapse reconnections.", c.reconnects);
  }
  if (store) {
    auto list = store->list({.capability = std::nullopt, .include_deregistered = true});
    out +=
        "# HELP neuromesh_registry_neurons Registry records by liveness.\n"
        "# TYPE neuromesh_registry_neurons gauge\n";
    if (list) {
      registry_mirror classifier(store, mirror->options());
      std::uint64_t n[3] = {0, 0, 0};
      for (const auto& r : *list) ++n[static_cast<int>(classifier.classify(r))];
      for (auto l : {liveness::alive, liveness::stale, liveness::deregistered}) {
        out += fmt::format("neuromesh_registry_neurons{{status=\"{}\"}} {}\n", to_string(l),
                           n[static_cast<int>(l)]);
      }
    }
    auto st = store->stats();
    out +=
        "# HELP neuromesh_registry_store_retries_total Store calls retried, by reason.\n"
        "# TYPE neuromesh_registry_store_retries_total counter\n";
    out += fmt::format("neuromesh_registry_store_retries_total{{reason=\"busy\"}} {}\n",
                       st.busy_retries);
    out += fmt::format("neuromesh_registry_store_retries_total{{reason=\"reconnect\"}} {}\n",
                       st.reconnects);
    counter(out, "neuromesh_registry_store_failures_total", "Store calls that failed.",
            st.failures + st.rejected);
  }
  mirror_stats m;
  {
    std::lock_guard lock(mirror_mu);
    m = mirror_snapshot;
  }
  out +=
      "# HELP neuromesh_registry_mirrored_total Lifecycle Signals written to the store.\n"
      "# TYPE neuromesh_registry_mirrored_total counter\n";
  out += fmt::format("neuromesh_registry_mirrored_total{{type=\"REGISTER\"}} {}\n", m.registers);
  out += fmt::format("neuromesh_registry_mirrored_total{{type=\"HEARTBEAT\"}} {}\n", m.heartbeats);
  out +=
      fmt::format("neuromesh_registry_mirrored_total{{type=\"DEREGISTER\"}} {}\n", m.deregisters);
  counter(out, "neuromesh_registry_ignored_total",
          "Lifecycle Signals without directed.id, or engrams, not stored.", m.ignored);
  counter(out, "neuromesh_registry_swept_total", "Records the stale sweep deregistered.", m.swept);
  counter(out, "neuromesh_registry_mirror_dropped_total",
          "Lifecycle Signals dropped because the mirror queue was full.",
          mirror_dropped.load(std::memory_order_relaxed));
  auto f = feed.stats();
  gauge(out, "neuromesh_web_streams", "Web view pages connected now.", f.subscribers);
  counter(out, "neuromesh_web_streams_total", "Web view streams opened.", f.opened);
  counter(out, "neuromesh_web_slow_consumers_total",
          "Page streams cut off because they fell too far behind.", f.cut_off);
  return out;
}

std::string node::metrics_text() const { return impl_->render_metrics(); }

}  // namespace neuromesh::node
