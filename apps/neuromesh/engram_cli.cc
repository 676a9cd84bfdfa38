// Shared by engram.cc, effector.cc and tool.cc (see engram_cli.h); registers no command.
#include "engram_cli.h"

#include "neuromesh/runtime/engram_host.h"
#include "neuromesh/synapse/synapse_from_url.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <cstdio>

namespace neuromesh::cli {
namespace {

namespace asio = boost::asio;

struct serve_args {
  const char* cmd;
  std::string url;
  std::string ns;
  std::shared_ptr<runtime::engram> engram;
  std::shared_ptr<runtime::effector> effector;
};

asio::awaitable<int> async_serve(serve_args a) {
  auto ex = co_await asio::this_coro::executor;
  auto made = synapse::synapse_from_url(a.url, ex);
  if (!made) {
    std::fprintf(stderr, "%s: %s\n", a.cmd, made.error().message.c_str());
    co_return 2;
  }
  std::shared_ptr<synapse::synapse> bus = std::move(*made);
  if (auto ec = co_await bus->async_connect()) {
    std::fprintf(stderr, "%s: cannot connect to %s: %s\n", a.cmd, a.url.c_str(),
                 ec.message().c_str());
    co_return 1;
  }
  runtime::engram_host host(ex, *bus, {.ns = a.ns, .threads = 2});
  std::string id;
  if (a.engram) {
    host.attach(a.engram);
    id = a.engram->engram_id();
  }
  if (a.effector) {
    host.attach(a.effector);
    id = a.effector->effector_id();
  }
  if (auto ec = co_await host.async_start()) {
    std::fprintf(stderr, "%s: cannot serve on %s: %s\n", a.cmd, a.url.c_str(),
                 ec.message().c_str());
    co_await bus->async_close();
    co_return 1;
  }
  std::printf("READY %s\n", id.c_str());
  std::fflush(stdout);
  asio::signal_set signals(ex, SIGINT, SIGTERM);
  co_await signals.async_wait(asio::use_awaitable);
  co_await host.async_stop();
  co_await bus->async_close();
  co_return 0;
}

}  // namespace

std::optional<boost::json::object> json_object_flag(const char* cmd, const char* flag,
                                                    const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) {
    std::fprintf(stderr, "%s: %s: not JSON: %s\n", cmd, flag, ec.message().c_str());
    return std::nullopt;
  }
  if (!v.is_object()) {
    std::fprintf(stderr, "%s: %s: expected a JSON object\n", cmd, flag);
    return std::nullopt;
  }
  return std::move(v.get_object());
}

boost::asio::awaitable<connected_client> async_connect_client(const char* cmd, std::string url,
                                                              std::string ns) {
  connected_client out;
  auto ex = co_await asio::this_coro::executor;
  auto made = synapse::synapse_from_url(url, ex);
  if (!made) {
    std::fprintf(stderr, "%s: %s\n", cmd, made.error().message.c_str());
    out.code = 2;
    co_return out;
  }
  out.bus = std::move(*made);
  if (auto ec = co_await out.bus->async_connect()) {
    std::fprintf(stderr, "%s: cannot connect to %s: %s\n", cmd, url.c_str(), ec.message().c_str());
    out.code = 1;
    co_return out;
  }
  out.client = std::make_unique<runtime::engram_client>(ex, *out.bus, ns);
  if (auto ec = co_await out.client->async_start()) {
    std::fprintf(stderr, "%s: cannot subscribe on %s: %s\n", cmd, url.c_str(),
                 ec.message().c_str());
    out.code = 1;
  }
  co_return out;
}

void print_json(const boost::json::value& v) {
  std::printf("%s\n", boost::json::serialize(v).c_str());
  std::fflush(stdout);
}

int serve_until_signal(const char* cmd, const std::string& url, const std::string& ns,
                       std::shared_ptr<runtime::engram> engram,
                       std::shared_ptr<runtime::effector> effector) {
  asio::io_context ctx(1);
  auto done = asio::co_spawn(
      ctx, async_serve({cmd, url, ns, std::move(engram), std::move(effector)}), asio::use_future);
  ctx.run();
  return done.get();
}

}  // namespace neuromesh::cli
