// neuromesh tool call: one TOOL_CALL to whichever Effector serves the tool (or the one given
// by --id / --kind); prints the TOOL_RESULT's result as JSON, or its error on stderr (exit 1).
#include "command.h"
#include "engram_cli.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace {

namespace asio = boost::asio;
namespace rt = neuromesh::runtime;

struct tool_args {
  std::string url;
  std::string ns = "dev";
  std::string tool;
  std::string args = "{}";
  std::string id;
  std::string kind;
  std::int64_t deadline_ms = 5000;
};

asio::awaitable<int> async_tool_call(std::shared_ptr<tool_args> a, boost::json::object args) {
  auto c = co_await neuromesh::cli::async_connect_client("tool call", a->url, a->ns);
  if (c.code != 0) co_return c.code;
  rt::tool_call_request r;
  if (!a->id.empty()) r.target.id = a->id;
  if (!a->kind.empty()) r.target.kind = a->kind;
  r.target.deadline = std::chrono::milliseconds(a->deadline_ms);
  r.tool = a->tool;
  r.args = std::move(args);
  auto out = co_await c.client->async_call_tool(std::move(r));
  int code = 0;
  if (!out) {
    std::fprintf(stderr, "tool call: %s: %s\n", a->tool.c_str(), out.error().message.c_str());
    code = 1;
  } else if (out->error) {
    std::fprintf(stderr, "tool call: %s\n", out->error->c_str());
    code = 1;
  } else {
    neuromesh::cli::print_json(out->result.value_or(nullptr));
  }
  co_await c.client->async_stop();
  co_await c.bus->async_close();
  co_return code;
}

void add_tool(CLI::App& root) {
  auto* cmd = root.add_subcommand("tool", "Call tools served by Effectors");
  cmd->require_subcommand(1);
  auto a = std::make_shared<tool_args>();
  auto* call = cmd->add_subcommand("call", "One TOOL_CALL; prints the result as JSON");
  call->add_option("--url", a->url, "Synapse URL: cosmo://host:port or nats://host:port")
      ->required();
  call->add_option("-n,--namespace", a->ns, "Namespace")->capture_default_str();
  call->add_option("--tool", a->tool, "Tool name, e.g. add")->required();
  call->add_option("--args", a->args, "Arguments as a JSON object")->capture_default_str();
  call->add_option("--id", a->id, "Only this effector_id");
  call->add_option("--kind", a->kind, "Only Effectors of this kind");
  call->add_option("--deadline-ms", a->deadline_ms, "How long to wait for the TOOL_RESULT")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  call->callback([a] {
    auto args = neuromesh::cli::json_object_flag("tool call", "--args", a->args);
    if (!args) return neuromesh::cli::set_exit_code(2);
    asio::io_context ctx(1);
    auto done = asio::co_spawn(ctx, async_tool_call(a, std::move(*args)), asio::use_future);
    ctx.run();
    neuromesh::cli::set_exit_code(done.get());
  });
}

const neuromesh::cli::registrar reg{"tool", 72, add_tool};

}  // namespace
