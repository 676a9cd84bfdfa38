// `neuromesh registry list`: DISCOVER on a namespace and list the neurons that answer with
// REGISTER within the timeout (deduplicated by id). Store-free, like `cosmo registry list`.
#include "command.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "registry_command.h"
#include "runtime_cli.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

namespace neuromesh::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using protocol::signal;
using protocol::signal_type;

struct list_args {
  std::string url;
  std::string ns = "dev";
  std::string capability;
  double timeout_s = 1.5;
  bool json = false;
};

struct entry {
  std::string id, role, kind, version;
  std::vector<std::string> capabilities;
};

asio::awaitable<int> list_main(synapse::synapse* bus_p, list_args a) {
  auto& bus = *bus_p;
  auto found = std::make_shared<std::map<std::string, entry>>();
  std::string cap = a.capability;
  synapse::handler on_register = [found, cap](const signal& s) {
    if (!s.directed || !s.directed->id) return;
    auto p = s.payload.to_json();
    entry e;
    e.id = *s.directed->id;
    e.kind = s.directed->type.value_or("");
    if (auto it = p.find("role"); it != p.end() && it->value().is_string())
      e.role = it->value().get_string();
    if (auto it = p.find("version"); it != p.end() && it->value().is_string())
      e.version = it->value().get_string();
    if (auto it = p.find("capabilities"); it != p.end() && it->value().is_array())
      for (const auto& c : it->value().get_array())
        if (c.is_string()) e.capabilities.emplace_back(c.get_string());
    if (!cap.empty() &&
        std::find(e.capabilities.begin(), e.capabilities.end(), cap) == e.capabilities.end())
      return;
    (*found)[e.id] = std::move(e);
  };
  auto subject = protocol::subject_for(a.ns, signal_type::register_);
  std::optional<std::string> no_group;
  auto sub =
      co_await bus.async_subscribe(std::move(subject), std::move(on_register), std::move(no_group));
  if (!sub) {
    std::cerr << "registry list: subscribe failed: " << sub.error().message() << '\n';
    co_return 1;
  }
  std::optional<std::vector<std::string>> caps;
  if (!a.capability.empty()) caps = std::vector<std::string>{a.capability};
  auto discover = protocol::discover_signal(std::nullopt, caps);
  auto discover_subject = protocol::subject_for(a.ns, signal_type::discover);
  if (auto ec = co_await bus.async_publish(std::move(discover_subject), std::move(discover))) {
    std::cerr << "registry list: DISCOVER failed: " << ec.message() << '\n';
    co_return 1;
  }
  asio::steady_timer t(co_await asio::this_coro::executor,
                       std::chrono::milliseconds(static_cast<long>(a.timeout_s * 1000)));
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  sub->unsubscribe();
  if (a.json) {
    json::array out;
    for (const auto& [id, e] : *found) {
      json::array c;
      for (const auto& x : e.capabilities) c.emplace_back(x);
      out.emplace_back(
          json::object{{"neuron_id", e.id},
                       {"role", e.role},
                       {"kind", e.kind},
                       {"capabilities", c},
                       {"version", e.version.empty() ? json::value() : json::value(e.version)}});
    }
    std::cout << json::serialize(out) << std::endl;
    co_return 0;
  }
  std::cout << fmt::format("{:<24}  {:<8}  {:<10}  {:<8}  {}\n", "NEURON_ID", "ROLE", "KIND",
                           "VERSION", "CAPABILITIES");
  for (const auto& [id, e] : *found) {
    std::string caps_s;
    for (const auto& c : e.capabilities) caps_s += (caps_s.empty() ? "" : ",") + c;
    std::cout << fmt::format("{:<24}  {:<8}  {:<10}  {:<8}  {}\n", e.id, e.role, e.kind,
                             e.version.empty() ? "-" : e.version, caps_s);
  }
  std::cout.flush();
  co_return 0;
}

void add_registry_list(CLI::App& root) {
  auto& registry = registry_command(root);
  auto* cmd = registry.add_subcommand("list", "DISCOVER live neurons on a Synapse and list them");
  auto a = std::make_shared<list_args>();
  cmd->add_option("--url", a->url, "Synapse URL (cosmo://host:port or nats://...)")->required();
  cmd->add_option("-n,--namespace", a->ns, "Namespace")->capture_default_str();
  cmd->add_option("--capability", a->capability, "Only neurons with this capability");
  cmd->add_option("--timeout", a->timeout_s, "Seconds to collect REGISTER replies")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print a JSON array");
  cmd->callback([a] {
    set_exit_code(run_on_synapse("registry list", a->url,
                                 [a](synapse::synapse* bus) { return list_main(bus, *a); }));
  });
}

const registrar reg_registry_list{"registry list", 42, add_registry_list};

}  // namespace
}  // namespace neuromesh::cli
