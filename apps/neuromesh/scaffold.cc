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
add_library(neurons STATIC neurons/echo.cc)
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
./build/@NAME@                               # in-process: one task to echo, prints the reply
neuromesh up &                               # a node: broker, registry, catalog, web view
NEUROMESH_URL=cosmo://127.0.0.1:7070 ./build/@NAME@   # joins it; prints READY echo
neuromesh dispatch --url cosmo://127.0.0.1:7070 -n @NS@ --neuron echo --input '{"text":"hi"}'
```

| file | what it holds |
|---|---|
| `neurons/echo.{h,cc}` | the example Neuron: a function from the TASK's input to a JSON result |
| `neurons/echo_test.cc` | dispatches to it through an in-process Synapse |
| `main.cc` | the Dendrite that hosts it: in-process, or on `NEUROMESH_URL` |

A Neuron returns any JSON value (an object becomes AGENT_OUTPUT's `output`); an object with
`"__error__": true` becomes an ERROR, `"__clarification__": true` a CLARIFICATION (the
caller answers, the Neuron gets a follow-up TASK) and `"__permission__": true` a PERMISSION
request. A thrown exception becomes ERROR `NEURON_EXCEPTION`.
)~~"},
{"main.cc", R"~~(// @NAME@: an agent on a neuromesh Synapse.
//   ./@NAME@                                       in-process: one task to echo, then exit
//   NEUROMESH_URL=cosmo://127.0.0.1:7070 ./@NAME@  joins that mesh and serves until Ctrl-C
#include "neurons/echo.h"

#include <neuromesh/runtime/dendrite.h>
#include <neuromesh/synapse/memory_synapse.h>
#include <neuromesh/synapse/synapse_from_url.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>

namespace asio = boost::asio;
using namespace neuromesh;

// In-process: start, send one TASK to the echo Neuron, print the reply, stop.
asio::awaitable<int> run_once(runtime::dendrite& d) {
  if (auto ec = co_await d.async_start()) {
    std::cerr << "@NAME@: " << ec.message() << "\n";
    co_return 1;
  }
  // Arguments of a co_await as locals: GCC 12 mishandles temporaries in co_await operands.
  runtime::dispatch_args task{.neuron = "echo", .input = {{"text", "hello from @NAME@"}}};
  auto reply = co_await d.async_dispatch_and_wait(std::move(task), std::chrono::seconds(5));
  co_await d.async_stop();
  if (!reply) {
    std::cerr << "@NAME@: no reply: " << reply.error().message() << "\n";
    co_return 1;
  }
  std::cout << to_string(reply->type) << " " << reply->payload.text() << "\n";
  co_return 0;
}

// On a real Synapse: serve until SIGINT/SIGTERM, then DEREGISTER, close the connection
// (it holds the event loop open) and exit.
asio::awaitable<int> serve(runtime::dendrite& d, synapse::synapse& bus) {
  if (auto ec = co_await d.async_start()) {
    std::cerr << "@NAME@: cannot join " << std::getenv("NEUROMESH_URL") << ": " << ec.message()
              << "\n";
    co_return 1;
  }
  std::cout << "READY echo" << std::endl;
  asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM);
  co_await signals.async_wait(asio::use_awaitable);
  std::string reason = "shutdown";
  co_await d.async_stop(std::move(reason));
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
  d.attach(agent::make_echo_axon());
  auto result = asio::co_spawn(io, url && *url ? serve(d, *bus) : run_once(d), asio::use_future);
  io.run();
  return result.get();
}
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
