// Client-server contract: the built `neuromesh catalog announce` against the built
// `neuromesh registry serve`, over a real socket.
#include "neuromesh/catalog/catalog_client.h"
#include "neuromesh/testing/child_process.h"
#include "neuromesh/testing/testing.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace neuromesh::catalog {
namespace {

namespace json = boost::json;
using neuromesh::testing::child_process;
// `catalog announce` ends when its stdin closes; stderr goes to the test log.
const neuromesh::testing::child_options cli{.pipe_stdin = true,
                                            .err = neuromesh::testing::stderr_to::inherit};

std::string binary() {
  const char* dir = std::getenv("NEUROMESH_BINARY_DIR");
  if (!dir) throw std::runtime_error("NEUROMESH_BINARY_DIR is not set (run through ctest)");
  return std::string(dir) + "/apps/neuromesh/neuromesh";
}

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path =
        std::filesystem::temp_directory_path() / ("catalog-contract-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

std::string serve_url(child_process& server) {
  auto line = server.out_until("listening ", std::chrono::seconds(10));
  if (!line.starts_with("listening "))
    throw std::runtime_error("registry serve printed no 'listening' line: " + server.out_seen());
  return line.substr(std::string("listening ").size());
}

// `catalog serve` is the clearer name of `registry serve`: one implementation, same flags.
TEST(catalog_contract, catalog_serve_and_registry_serve_serve_the_same_catalog) {
  temp_dir dir;
  auto key_file = (dir.path / "key").string();
  std::ofstream(key_file) << "k3y\n";
  auto store = "sqlite:" + (dir.path / "catalog.db").string();
  std::string registered;
  for (const char* parent : {"catalog", "registry"}) {
    child_process server({binary(), parent, "serve", "--port", "0", "--store", store,
                          "--purge-interval", "60", "--api-key-file", key_file, "--threads", "1"},
                         cli);
    auto url = serve_url(server);
    client_options co;
    co.registry_url = url;
    co.api_key = "k3y";
    catalog_client c(co);
    if (registered.empty()) {
      auto r =
          c.exchange("POST", "/instances",
                     std::string(R"({"instance_id":"i","name":"n","version":"1","host":"h"})"));
      ASSERT_TRUE(r.has_value()) << parent;
      ASSERT_EQ(r->status, 201u) << parent;
      registered = parent;
    } else {
      // The second name opens the file the first one wrote.
      auto r = c.get("/instances/i");
      ASSERT_TRUE(r.has_value()) << parent << " does not see what " << registered << " stored";
      EXPECT_NE(r->find("\"host\":\"h\""), std::string::npos);
    }
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait(std::chrono::seconds(10)), 0) << parent;
  }
}

TEST(catalog_contract, announce_registers_heartbeats_and_deregisters_on_stdin_eof) {
  temp_dir dir;
  auto tools = (dir.path / "tools.json").string();
  std::ofstream(tools)
      << R"([{"name":"deploy","description":"Deploy it","inputSchema":{},)"
         R"("x-command":"/opt/deploy","x-run-as":"oracle","x-autonomy":"confirm"}])";
  auto key_file = (dir.path / "key").string();
  std::ofstream(key_file) << "k3y\n";
  child_process server({binary(), "registry", "serve", "--port", "0", "--store",
                        "memory:", "--purge-interval", "0.2", "--api-key-file", key_file},
                       cli);
  auto url = serve_url(server);
  child_process announce({binary(), "catalog", "announce", "--registry", url, "--name", "svc",
                          "--tools", tools, "--host", "hostA", "--heartbeat", "0.2",
                          "--instance-id", "inst-1", "--registry-key-file", key_file},
                         cli);
  client_options co;
  co.registry_url = url;
  catalog_client c(co);
  ASSERT_TRUE(testing::eventually([&] {
    auto r = c.get("/tools/deploy");
    return r && r->find("hostA") != std::string::npos;
  }));
  // Heartbeats keep it live across several stale windows (3 x 0.2 s).
  auto first_seen =
      json::parse(c.get("/instances/inst-1").value()).at("last_seen").to_number<double>();
  ASSERT_TRUE(testing::eventually([&] {
    auto now = json::parse(c.get("/instances/inst-1").value());
    return now.at("last_seen").to_number<double>() > first_seen + 0.5 && now.at("active") == true;
  }));
  // `catalog tools` reads the per-host metadata back.
  child_process lookup(
      {binary(), "catalog", "tools", "--registry", url, "deploy", "--host", "hostA"}, cli);
  EXPECT_EQ(lookup.out_until("command", std::chrono::seconds(10)), "command\t/opt/deploy");
  EXPECT_EQ(lookup.wait(std::chrono::seconds(10)), 0);

  announce.close_in();
  EXPECT_EQ(announce.wait(std::chrono::seconds(10)), 0);
  auto after = json::parse(c.get("/instances/inst-1").value());
  EXPECT_EQ(after.at("active"), false);
  EXPECT_EQ(c.get("/tools").value(), "[]");

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(std::chrono::seconds(10)), 0);
}

TEST(catalog_contract, announce_deregisters_on_sigterm_and_survives_a_catalog_restart) {
  temp_dir dir;
  auto store = "sqlite:" + (dir.path / "catalog.db").string();
  auto server = std::make_unique<child_process>(
      std::vector<std::string>{binary(), "registry", "serve", "--port", "0", "--store", store},
      cli);
  auto url = serve_url(*server);
  auto port = url.substr(url.rfind(':') + 1);
  child_process announce(
      {binary(), "catalog", "announce", "--registry", url, "--name", "svc", "--host", "hostB",
       "--heartbeat", "0.1", "--instance-id", "inst-2", "--ignore-stdin"},
      cli);
  client_options co;
  co.registry_url = url;
  catalog_client c(co);
  ASSERT_TRUE(testing::eventually([&] { return c.get("/instances/inst-2").has_value(); }));
  // Restart the catalog on the same port and store: the instance is still there, live.
  server->signal(SIGINT);
  ASSERT_EQ(server->wait(std::chrono::seconds(10)), 0);
  server = std::make_unique<child_process>(
      std::vector<std::string>{binary(), "registry", "serve", "--port", port, "--store", store},
      cli);
  ASSERT_FALSE(serve_url(*server).empty());
  ASSERT_TRUE(testing::eventually([&] {
    auto r = c.get("/instances?active=true");
    return r && r->find("inst-2") != std::string::npos;
  }));
  announce.signal(SIGTERM);
  EXPECT_EQ(announce.wait(std::chrono::seconds(10)), 0);
  EXPECT_EQ(json::parse(c.get("/instances/inst-2").value()).at("active"), false)
      << announce.rest_out(std::chrono::milliseconds(200));
  server->signal(SIGTERM);
  EXPECT_EQ(server->wait(std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace neuromesh::catalog
