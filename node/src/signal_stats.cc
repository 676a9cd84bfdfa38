#include "neuromesh/node/signal_stats.h"

#include "neuromesh/protocol/signal_type.h"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace neuromesh::node {

void latency_histogram::observe(double ms) noexcept {
  std::size_t i = 0;
  while (i < bounds_ms.size() && ms > bounds_ms[i]) ++i;
  ++buckets[i];
  ++count;
  sum_ms += ms;
}

namespace {

std::size_t slot(protocol::signal_type t) noexcept { return static_cast<std::size_t>(t) & 63; }

std::string_view task_outcome(protocol::signal_type t) noexcept {
  using protocol::signal_type;
  switch (t) {
    case signal_type::agent_output:
      return "output";
    case signal_type::final:
      return "final";
    case signal_type::error:
      return "error";
    case signal_type::clarification:
      return "clarification";
    case signal_type::permission:
      return "permission";
    default:
      return {};
  }
}

// A label value with the characters Prometheus escapes escaped.
std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void render_histogram(std::string& out, std::string_view name, std::string_view labels,
                      const latency_histogram& h) {
  std::uint64_t cumulative = 0;
  std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i < h.buckets.size(); ++i) {
    cumulative += h.buckets[i];
    auto le = i < latency_histogram::bounds_ms.size()
                  ? fmt::format("{}", latency_histogram::bounds_ms[i] / 1000.0)
                  : std::string("+Inf");
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, le, cumulative);
  }
  auto braces = labels.empty() ? std::string() : fmt::format("{{{}}}", labels);
  out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, h.sum_ms / 1000.0, name, braces,
                     h.count);
}

}  // namespace

std::string signal_stats::capability_label(const protocol::signal& task) {
  std::string label;
  if (task.directed && task.directed->id && !task.directed->id->empty()) return "(addressed)";
  if (auto caps = task.payload.find("capabilities")) {
    boost::system::error_code ec;
    auto v = boost::json::parse(*caps, ec);
    if (!ec && v.is_array()) {
      std::vector<std::string> names;
      for (const auto& c : v.get_array())
        if (c.is_string()) names.emplace_back(c.get_string());
      std::sort(names.begin(), names.end());
      for (const auto& n : names) label += (label.empty() ? "" : ",") + n;
    }
  }
  if (label.empty()) return "(open)";
  return label;
}

void signal_stats::close_request(std::map<std::string, open_request>& open,
                                 const std::string& parent, clock::time_point now,
                                 latency_histogram& h, bool is_task, std::string_view outcome) {
  auto it = open.find(parent);
  if (it == open.end()) return;
  double ms = std::chrono::duration<double, std::milli>(now - it->second.started).count();
  if (is_task) {
    auto label = it->second.label;
    if (task_latency_.count(label) == 0 && task_latency_.size() >= max_capabilities_)
      label = "other";
    task_latency_[label].observe(ms);
    ++outcomes_[std::string(outcome)];
  } else {
    h.observe(ms);
  }
  open.erase(it);
}

void signal_stats::observe_in(const protocol::signal& s, std::size_t bytes, clock::time_point now) {
  using protocol::signal_type;
  std::lock_guard lock(mu_);
  ++in_[slot(s.type)];
  bytes_in_ += bytes;
  auto open = [&](std::map<std::string, open_request>& m, std::string label) {
    if (m.size() >= max_open_) {
      // Oldest ULID first: ids sort by creation time.
      m.erase(m.begin());
      if (&m == &tasks_open_) ++outcomes_["abandoned"];
    }
    m.emplace(s.id.str(), open_request{now, std::move(label)});
  };
  switch (s.type) {
    case signal_type::task:
      open(tasks_open_, capability_label(s));
      return;
    case signal_type::tool_call:
      open(tools_open_, {});
      return;
    case signal_type::recall:
      open(recalls_open_, {});
      return;
    case signal_type::tool_result:
      if (s.parent_id)
        close_request(tools_open_, s.parent_id->str(), now, tool_latency_, false, {});
      return;
    case signal_type::recalled:
      if (s.parent_id)
        close_request(recalls_open_, s.parent_id->str(), now, recall_latency_, false, {});
      return;
    default:
      break;
  }
  if (auto outcome = task_outcome(s.type); !outcome.empty() && s.parent_id) {
    close_request(tasks_open_, s.parent_id->str(), now, tool_latency_, true, outcome);
  }
}

void signal_stats::observe_out(protocol::signal_type t) noexcept {
  std::lock_guard lock(mu_);
  ++out_[slot(t)];
}

std::uint64_t signal_stats::tasks(std::string_view outcome) const {
  std::lock_guard lock(mu_);
  auto it = outcomes_.find(std::string(outcome));
  return it == outcomes_.end() ? 0 : it->second;
}

std::uint64_t signal_stats::signals_in(protocol::signal_type t) const {
  std::lock_guard lock(mu_);
  return in_[slot(t)];
}

std::string signal_stats::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  auto by_type = [&](std::string_view name, std::string_view help,
                     const std::array<std::uint64_t, 64>& counts) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n", name, help);
    for (int i = 0; i < protocol::signal_type_count; ++i) {
      if (counts[static_cast<std::size_t>(i)] == 0) continue;
      out += fmt::format("{}{{type=\"{}\"}} {}\n", name,
                         protocol::to_string(static_cast<protocol::signal_type>(i)),
                         counts[static_cast<std::size_t>(i)]);
    }
  };
  by_type("neuromesh_node_signals_in_total", "Signals the node saw on its namespace, by type.",
          in_);
  by_type("neuromesh_node_signals_out_total", "Signals the node published, by type.", out_);
  out += fmt::format(
      "# HELP neuromesh_node_signal_bytes_in_total Encoded bytes of the Signals seen.\n"
      "# TYPE neuromesh_node_signal_bytes_in_total counter\n"
      "neuromesh_node_signal_bytes_in_total {}\n",
      bytes_in_);
  out +=
      "# HELP neuromesh_node_tasks_total Tasks by outcome (first reply to the TASK; abandoned: "
      "dropped unanswered).\n# TYPE neuromesh_node_tasks_total counter\n";
  for (const auto& [k, v] : outcomes_)
    out += fmt::format("neuromesh_node_tasks_total{{outcome=\"{}\"}} {}\n", k, v);
  out += fmt::format(
      "# HELP neuromesh_node_tasks_open Tasks waiting for a first reply.\n"
      "# TYPE neuromesh_node_tasks_open gauge\nneuromesh_node_tasks_open {}\n",
      tasks_open_.size());
  out +=
      "# HELP neuromesh_node_task_seconds TASK to first reply, by capability.\n"
      "# TYPE neuromesh_node_task_seconds histogram\n";
  for (const auto& [label, h] : task_latency_) {
    render_histogram(out, "neuromesh_node_task_seconds",
                     fmt::format("capability=\"{}\"", escape_label(label)), h);
  }
  out +=
      "# HELP neuromesh_node_tool_call_seconds TOOL_CALL to TOOL_RESULT.\n"
      "# TYPE neuromesh_node_tool_call_seconds histogram\n";
  render_histogram(out, "neuromesh_node_tool_call_seconds", "", tool_latency_);
  out +=
      "# HELP neuromesh_node_recall_seconds RECALL to RECALLED.\n"
      "# TYPE neuromesh_node_recall_seconds histogram\n";
  render_histogram(out, "neuromesh_node_recall_seconds", "", recall_latency_);
  return out;
}

}  // namespace neuromesh::node
