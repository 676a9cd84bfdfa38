// Helpers of the runtime's commands (no subcommand of its own).
#include "runtime_cli.h"

#include "neuromesh/protocol/codec.h"
#include "neuromesh/synapse/busy_poll.h"
#include "neuromesh/synapse/synapse_from_url.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
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

// NEUROMESH_BUSY_POLL_US, as `neuromesh up` reads it: 0 when unset, nullopt when unreadable.
std::optional<int> busy_poll_us() {
  const char* v = std::getenv("NEUROMESH_BUSY_POLL_US");
  if (v == nullptr || *v == '\0') return 0;
  std::string_view text(v);
  int us = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), us);
  if (ec != std::errc() || end != text.data() + text.size() || us < 0 || us > 10'000)
    return std::nullopt;
  return us;
}

}  // namespace

int run_on_synapse(const std::string& prefix, const std::string& url,
                   std::function<asio::awaitable<int>(synapse::synapse*)> main) {
  log_to_stderr();
  auto spin = busy_poll_us();
  if (!spin) {
    std::cerr << prefix << ": NEUROMESH_BUSY_POLL_US: '" << std::getenv("NEUROMESH_BUSY_POLL_US")
              << "': expected a whole number from 0 to 10000\n";
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
  synapse::run_busy_polling(io, std::chrono::microseconds(*spin));
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
