#include "scaffold.h"

#include <utility>

// The templates of `neuromesh init`. @NAME@ is the project's name, @NS@ its namespace. The
// packaging test (scripts/test-package) builds and runs a fresh scaffold against the
// installed SDK, so these files compile in CI like any other code.
namespace neuromesh::cli {
namespace {

struct template_file {
  const char* path;
  const char* text;
};

// clang-format off
const template_file templates[] = {
{"CMakeLists.txt", R"~~(cmake_minimum_required(VERSION 3.25)
project(@NAME@ LANGUAGES C CXX)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()

# The installed neuromesh SDK (cmake --install, or the neuromesh .deb).
find_package(neuromesh REQUIRED)

# The Neurons, as a library so the agent and the tests share them.
add_library(neurons STATIC neurons/echo.cc engram/notes.cc effector/greeter.cc)
target_include_directories(neurons PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(neurons PUBLIC neuromesh::runtime)

add_executable(@NAME@ main.cc)
target_link_libraries(@NAME@ PRIVATE neurons neuromesh::neuromesh)

enable_testing()
add_executable(echo_test neurons/echo_test.cc)
target_link_libraries(echo_test PRIVATE neurons neuromesh::neuromesh)
add_test(NAME echo_test COMMAND echo_test)
)~~"},
{"README.md", R"~~(# @NAME@

A neuromesh agent project (made by `neuromesh init`). Agents join namespace `@NS@`.

```sh
cmake -S . -B build && cmake --build build   # needs the neuromesh SDK installed
ctest --test-dir build                       # the Neuron's test
./build/@NAME@                               # in-process: echo, notes and greet, prints the replies
neuromesh up &                               # a node: broker, registry, catalog, web view
NEUROMESH_URL=cosmo://127.0.0.1:7070 ./build/@NAME@   # joins it; prints READY echo
neuromesh dispatch --url cosmo://127.0.0.1:7070 -n @NS@ --neuron echo --input '{"text":"hi"}'
```

| file | what it holds |
|---|---|
| `neurons/echo.{h,cc}` | the example Neuron: a function from the TASK's input to a JSON result |
| `neurons/echo_test.cc` | dispatches to it through an in-process Synapse |
| `engram/notes.{h,cc}` | an Engram binding: a Neuron that IMPRINTs to and RECALLs from the `notes` Engram through `ctx.engram("notes")` |
| `effector/greeter.{h,cc}` | an Effector (tool `greet`: TOOL_CALL answered with TOOL_RESULT) and the `welcome` Neuron that calls it through `ctx.effector("greeter")` |
| `main.cc` | hosts them all: in-process, or on `NEUROMESH_URL` |

A Neuron returns any JSON value (an object becomes AGENT_OUTPUT's `output`); an object with
`"__error__": true` becomes an ERROR, `"__clarification__": true` a CLARIFICATION (the
caller answers, the Neuron gets a follow-up TASK) and `"__permission__": true` a PERMISSION
request. A thrown exception becomes ERROR `NEURON_EXCEPTION`.
)~~"},
{"main.cc", R"~~(// @NAME@: an agent on a neuromesh Synapse.
//   ./@NAME@                                       in-process: one task to echo, then exit
//   NEUROMESH_URL=cosmo://127.0.0.1:7070 ./@NAME@  joins that mesh and serves until Ctrl-C
#include "effector/greeter.h"
#include "engram/notes.h"
#include "neurons/echo.h"

#include <neuromesh/runtime/dendrite.h>
#include <neuromesh/synapse/memory_synapse.h>
#include <neuromesh/synapse/synapse_from_url.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>

namespace asio = boost::asio;
using namespace neuromesh;

// The dendrite hosts the Neurons, the notes Engram and the greeter Effector (REGISTERed like
// any Engram / Effector on the mesh); the Neurons reach those through their Axon's bindings.
asio::awaitable<boost::system::error_code> start(synapse::synapse& bus, runtime::dendrite& d) {
  if (auto ec = co_await bus.async_connect()) co_return ec;
  co_return co_await d.async_start();
}

asio::awaitable<void> stop(runtime::dendrite& d) {
  std::string reason = "shutdown";
  co_await d.async_stop(std::move(reason));
}

// In-process: one TASK each to echo, notes (IMPRINT + RECALL) and welcome (a tool call).
asio::awaitable<int> run_once(synapse::synapse& bus, runtime::dendrite& d) {
  if (auto ec = co_await start(bus, d)) {
    std::cerr << "@NAME@: " << ec.message() << "\n";
    co_return 1;
  }
  // Arguments of a co_await as locals: GCC 12 mishandles temporaries in co_await operands.
  runtime::dispatch_args task{.neuron = "echo", .input = {{"text", "hello from @NAME@"}}};
  auto reply = co_await d.async_dispatch_and_wait(std::move(task), std::chrono::seconds(5));
  runtime::dispatch_args note{.neuron = "notes", .input = {{"text", "remember this"}}};
  auto noted = co_await d.async_dispatch_and_wait(std::move(note), std::chrono::seconds(5));
  runtime::dispatch_args hello{.neuron = "welcome", .input = {{"name", "@NAME@"}}};
  auto greeted = co_await d.async_dispatch_and_wait(std::move(hello), std::chrono::seconds(5));
  co_await stop(d);
  if (!reply || !noted || !greeted) {
    std::cerr << "@NAME@: a call got no answer\n";
    co_return 1;
  }
  for (const auto* r : {&*reply, &*noted, &*greeted})
    std::cout << to_string(r->type) << " " << r->payload.text() << "\n";
  co_return 0;
}

// On a real Synapse: serve until SIGINT/SIGTERM, then DEREGISTER, close the connection
// (it holds the event loop open) and exit.
asio::awaitable<int> serve(synapse::synapse& bus, runtime::dendrite& d) {
  if (auto ec = co_await start(bus, d)) {
    std::cerr << "@NAME@: cannot join " << std::getenv("NEUROMESH_URL") << ": " << ec.message()
              << "\n";
    co_return 1;
  }
  std::cout << "READY echo" << std::endl;
  asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM);
  co_await signals.async_wait(asio::use_awaitable);
  co_await stop(d);
  co_await bus.async_close();
  co_return 0;
}

int main() {
  asio::io_context io;
  const char* url = std::getenv("NEUROMESH_URL");
  std::unique_ptr<synapse::synapse> bus;
  if (url && *url) {
    auto made = synapse::synapse_from_url(url, io.get_executor());
    if (!made) {
      std::cerr << "@NAME@: " << made.error().message << "\n";
      return 2;
    }
    bus = std::move(*made);
  } else {
    bus = std::make_unique<synapse::memory_synapse>();
  }
  runtime::dendrite d(io.get_executor(), *bus, nullptr,
                      {.ns = "@NS@", .dendrite_id = "@NAME@", .role = runtime::role::orchestrator});
  d.attach_engram(agent::make_notes_memory());
  d.attach_effector(std::make_shared<agent::greeter_effector>());
  d.attach(agent::make_echo_axon());
  d.attach(agent::make_notes_axon());
  d.attach(agent::make_welcome_axon());
  auto result = asio::co_spawn(io, url && *url ? serve(*bus, d) : run_once(*bus, d),
                               asio::use_future);
  io.run();
  return result.get();
}
)~~"},
{"engram/notes.h", R"~~(#pragma once
// An Engram binding example: the notes Neuron keeps what it is told in the "notes" Engram
// (IMPRINT on the task's trace) and answers with how many notes it holds (RECALL). Its Axon
// binds the Engram by id; the Neuron reaches it as ctx.engram("notes").

#include <neuromesh/runtime/axon.h>
#include <neuromesh/runtime/engram.h>

#include <memory>

namespace agent {

/// The Engram itself: in memory here; runtime::sqlite_engram or postgres_engram keep it.
std::shared_ptr<neuromesh::runtime::engram> make_notes_memory();

/// Neuron "notes" (capability "notes") with the Engram binding "notes".
neuromesh::runtime::axon make_notes_axon();

}  // namespace agent
)~~"},
{"engram/notes.cc", R"~~(#include "engram/notes.h"

#include <neuromesh/runtime/bound_engram.h>
#include <neuromesh/runtime/engram_memory.h>

#include <chrono>

namespace agent {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rt = neuromesh::runtime;

// A coroutine Neuron is a named function (never a capturing lambda: its captures would die
// at the first co_await). Its calls ride the TASK's trace, parented to the TASK.
asio::awaitable<json::value> notes(const json::object& in, const rt::context& ctx) {
  auto memory = ctx.engram("notes");  // a local: GCC 12 and temporaries in co_await operands
  rt::imprint_call write;
  write.op = "append";
  write.entry = {{"content", in.contains("text") ? in.at("text") : json::value("")},
                 {"tags", json::array{"note"}}};
  write.await_ack = true;
  auto receipt = co_await memory.async_imprint(std::move(write));
  rt::recall_call read;
  read.query = {{"tag", "note"}, {"top_k", 100}};
  auto recalled = co_await memory.async_recall(std::move(read));
  if (!receipt) co_return json::object{{"__error__", true}, {"message", receipt.error().message}};
  if (!recalled) co_return json::object{{"__error__", true}, {"message", recalled.error().message}};
  co_return json::object{{"notes", static_cast<std::int64_t>(recalled->hits.size())}};
}

}  // namespace

std::shared_ptr<rt::engram> make_notes_memory() {
  auto memory = std::make_shared<rt::memory_engram>(
      rt::engram_identity{"notes", "context", {"tags", "substring"}, std::nullopt});
  (void)memory->connect();
  return memory;
}

rt::axon make_notes_axon() {
  return rt::axon({.neuron_id = "notes",
                   .neuron = notes,
                   .capabilities = {"notes"},
                   .engrams = {{.name = "notes",
                                .directed_id = "notes",
                                .default_deadline = std::chrono::seconds(2)}}});
}

}  // namespace agent
)~~"},
{"effector/greeter.h", R"~~(#pragma once
// An Effector example: tool "greet" answers {"greeting": "Hello, NAME!"}. Tool failures ride
// in the TOOL_RESULT's error, never as exceptions. The welcome Neuron calls it through its
// Axon's Effector binding "greeter" (ctx.effector("greeter")).

#include <neuromesh/runtime/axon.h>
#include <neuromesh/runtime/effector.h>

namespace agent {

class greeter_effector final : public neuromesh::runtime::effector {
 public:
  greeter_effector() : effector({.effector_id = "greeter", .tools = {"greet"}}) {}
  neuromesh::runtime::tool_outcome call(const neuromesh::runtime::tool_call& c) override;
};

/// Neuron "welcome": greets input.name with the greeter's tool "greet".
neuromesh::runtime::axon make_welcome_axon();

}  // namespace agent
)~~"},
{"effector/greeter.cc", R"~~(#include "effector/greeter.h"

#include <neuromesh/runtime/bound_engram.h>

#include <chrono>

namespace agent {

neuromesh::runtime::tool_outcome greeter_effector::call(const neuromesh::runtime::tool_call& c) {
  neuromesh::runtime::tool_outcome out;
  out.tool = c.tool;
  const auto* name = c.args.if_contains("name");
  if (!name || !name->is_string())
    out.error = "args.name: a string is required";
  else
    out.result = boost::json::object{{"greeting", "Hello, " + std::string(name->get_string()) + "!"}};
  return out;
}

namespace {

namespace rt = neuromesh::runtime;

boost::asio::awaitable<boost::json::value> welcome(const boost::json::object& in,
                                                   const rt::context& ctx) {
  auto greeter = ctx.effector("greeter");
  rt::tool_call_request call;
  call.tool = "greet";
  call.args = in;
  auto out = co_await greeter.async_call_tool(std::move(call));
  if (!out) co_return boost::json::object{{"__error__", true}, {"message", out.error().message}};
  if (out->error) co_return boost::json::object{{"__error__", true}, {"message", *out->error}};
  co_return *out->result;
}

}  // namespace

rt::axon make_welcome_axon() {
  return rt::axon({.neuron_id = "welcome",
                   .neuron = welcome,
                   .capabilities = {"welcome"},
                   .effectors = {{.name = "greeter",
                                  .directed_id = "greeter",
                                  .default_deadline = std::chrono::seconds(2)}}});
}

}  // namespace agent
)~~"},
{"neurons/echo.h", R"~~(#pragma once
// The example Neuron: answers every TASK with its input, tagged with who answered.

#include <neuromesh/runtime/axon.h>

namespace agent {

/// The echo Neuron as an Axon: neuron id "echo", capability "echo".
neuromesh::runtime::axon make_echo_axon();

}  // namespace agent
)~~"},
{"neurons/echo.cc", R"~~(#include "neurons/echo.h"

namespace agent {
namespace {

// A synchronous Neuron: quick work returns a JSON value. Long work is a coroutine returning
// boost::asio::awaitable<boost::json::value>, which STOP can cancel at its next co_await.
boost::json::value echo(const boost::json::object& input,
                        const neuromesh::runtime::context& ctx) {
  return boost::json::object{{"echo", input}, {"neuron", ctx.neuron_id}};
}

}  // namespace

neuromesh::runtime::axon make_echo_axon() {
  return neuromesh::runtime::axon({.neuron_id = "echo", .neuron = echo, .capabilities = {"echo"}});
}

}  // namespace agent
)~~"},
{"neurons/echo_test.cc", R"~~(// Dispatches one TASK to the echo Neuron through an in-process Synapse and checks the reply.
#include "neurons/echo.h"

#include <neuromesh/runtime/dendrite.h>
#include <neuromesh/synapse/memory_synapse.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>

namespace asio = boost::asio;
using namespace neuromesh;

asio::awaitable<int> check(runtime::dendrite& d) {
  if (auto ec = co_await d.async_start()) {
    std::cerr << "start failed: " << ec.message() << "\n";
    co_return 1;
  }
  runtime::dispatch_args task{.neuron = "echo", .input = {{"text", "hello"}}};
  auto reply = co_await d.async_dispatch_and_wait(std::move(task), std::chrono::seconds(5));
  co_await d.async_stop();
  if (!reply) {
    std::cerr << "no reply: " << reply.error().message() << "\n";
    co_return 1;
  }
  const auto payload = reply->payload.to_json();
  const auto* output = payload.if_contains("output");
  if (reply->type != protocol::signal_type::agent_output || !output ||
      output->as_object().at("echo").as_object().at("text") != "hello") {
    std::cerr << "unexpected reply: " << reply->payload.text() << "\n";
    co_return 1;
  }
  std::cout << "echo_test: ok " << reply->payload.text() << "\n";
  co_return 0;
}

int main() {
  asio::io_context io;
  synapse::memory_synapse bus;
  runtime::dendrite d(io.get_executor(), bus, nullptr, {.ns = "test", .dendrite_id = "test"});
  d.attach(agent::make_echo_axon());
  auto result = asio::co_spawn(io, check(d), asio::use_future);
  io.run();
  return result.get();
}
)~~"},
};
// clang-format on

std::string substitute(std::string text, const std::string& name, const std::string& ns) {
  for (const auto& [key, value] :
       {std::pair<std::string, std::string>{"@NAME@", name}, {"@NS@", ns}})
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
      text.replace(at, key.size(), value);
  return text;
}

}  // namespace

std::vector<scaffold_file> scaffold_files(const std::string& name, const std::string& ns) {
  std::vector<scaffold_file> files;
  for (const auto& t : templates) files.push_back({t.path, substitute(t.text, name, ns)});
  return files;
}

}  // namespace neuromesh::cli
