// Helpers of the runtime's commands (no subcommand of its own).
#include "runtime_cli.h"

#include "neuromesh/node/config.h"
#include "neuromesh/protocol/codec.h"
#include "neuromesh/synapse/busy_poll.h"
#include "neuromesh/synapse/synapse_from_url.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>

namespace neuromesh::cli {

namespace asio = boost::asio;

void log_to_stderr() {
  auto logger = spdlog::stderr_color_mt("neuromesh-runtime");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);
}

namespace {

asio::awaitable<int> with_connection(std::string prefix, synapse::synapse* bus_p,
                                     std::function<asio::awaitable<int>(synapse::synapse*)> main) {
  auto& bus = *bus_p;
  if (auto ec = co_await bus.async_connect()) {
    std::cerr << prefix << ": cannot connect to " << bus.url() << ": " << ec.message() << '\n';
    co_return 64;
  }
  int code = co_await main(&bus);
  co_await bus.async_close();
  co_return code;
}

// NEUROMESH_BUSY_POLL_US read by the node's own config key (one range, one error text), and
// no other NEUROMESH_* variable: a bad one of those is `up`'s business, not a command's.
unsigned busy_poll_us() {
  auto only_busy_poll = [](const char* name) -> const char* {
    return std::string_view(name) == "NEUROMESH_BUSY_POLL_US" ? std::getenv(name) : nullptr;
  };
  return node::resolve_config(std::nullopt, only_busy_poll, {}).busy_poll_us;
}

}  // namespace

int run_on_synapse(const std::string& prefix, const std::string& url,
                   std::function<asio::awaitable<int>(synapse::synapse*)> main) {
  log_to_stderr();
  unsigned spin = 0;
  try {
    spin = busy_poll_us();
  } catch (const node::config_error& e) {
    std::cerr << prefix << ": " << e.what() << '\n';
    return 64;
  }
  asio::io_context io(1);
  auto bus = synapse::synapse_from_url(url, io.get_executor());
  if (!bus) {
    std::cerr << prefix << ": " << bus.error().message << '\n';
    return 64;
  }
  auto f =
      asio::co_spawn(io, with_connection(prefix, bus->get(), std::move(main)), asio::use_future);
  synapse::run_busy_polling(io, std::chrono::microseconds(spin));
  return f.get();
}

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    auto b = cur.find_first_not_of(' ');
    auto e = cur.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
    cur.clear();
  };
  for (char c : s) {
    if (c == ',')
      flush();
    else
      cur += c;
  }
  flush();
  return out;
}

void print_signal(const protocol::signal& s, bool json) {
  if (json) {
    std::cout << protocol::encode(s) << std::endl;
    return;
  }
  std::string from = s.directed && s.directed->id ? *s.directed->id : "-";
  std::cout << fmt::format("{} trace={} from={} {}", protocol::to_string(s.type), s.trace_id.str(),
                           from, s.payload.text())
            << std::endl;
}

}  // namespace neuromesh::cli
