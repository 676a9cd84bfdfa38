#include "neuromesh/catalog/server.h"

#include "neuromesh/testing/testing.h"
#include "server_fixture.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace neuromesh::catalog {
namespace {

namespace json = boost::json;
using test::running_server;

constexpr const char* reg_a = R"({"instance_id":"a","name":"agent","version":"1","host":"h1"})";
constexpr const char* tools_a =
    R"({"tools":[{"name":"deploy","description":"d","inputSchema":{},"x-command":"/x","x-autonomy":"auto"}]})";

http_reply call(catalog_client& c, const std::string& method, const std::string& path,
                std::optional<std::string> body = {}) {
  auto r = c.exchange(method, path, body);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : http_reply{};
}

TEST(catalog_server, every_endpoint_answers_with_the_reference_status_codes) {
  running_server srv(make_memory_store(), {});
  auto c = srv.client();
  EXPECT_EQ(call(c, "GET", "/health").body, R"({"status":"ok"})");
  EXPECT_EQ(call(c, "GET", "/instances").body, "[]");
  EXPECT_EQ(call(c, "GET", "/tools").body, "[]");
  EXPECT_EQ(call(c, "GET", "/hosts").body, "[]");
  auto r = call(c, "POST", "/instances", reg_a);
  EXPECT_EQ(r.status, 201u);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(call(c, "POST", "/instances/a/heartbeat").body, R"({"status":"refresh"})");
  EXPECT_EQ(call(c, "POST", "/instances/a/tools", tools_a).status, 200u);
  EXPECT_EQ(call(c, "POST", "/instances/a/heartbeat", "{}").body, R"({"status":"ack"})");
  EXPECT_EQ(call(c, "POST", "/instances/zz/tools", tools_a).status, 404u);
  EXPECT_EQ(call(c, "GET", "/instances/a").status, 200u);
  EXPECT_EQ(call(c, "GET", "/instances/zz").body, R"({"detail":"Instance not found"})");
  auto tools = json::parse(call(c, "GET", "/tools").body).as_array();
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0].at("x-autonomy"), "auto");
  EXPECT_EQ(call(c, "GET", "/tools/deploy").status, 200u);
  EXPECT_EQ(call(c, "GET", "/tools/nope").status, 404u);
  EXPECT_EQ(json::parse(call(c, "GET", "/hosts").body).as_array().size(), 1u);
  auto xml = call(c, "GET", "/export/superputty?user=u");
  EXPECT_EQ(xml.headers["content-disposition"], "attachment; filename=\"runspec-sessions.xml\"");
  auto moba = call(c, "GET", "/export/mobaxterm");
  EXPECT_EQ(moba.headers["content-disposition"], "attachment; filename=\"runspec.mxtsessions\"");
  EXPECT_EQ(call(c, "GET", "/metrics").status, 200u);
  EXPECT_EQ(call(c, "GET", "/nothing").status, 404u);
  auto m = call(c, "PATCH", "/instances");
  EXPECT_EQ(m.status, 405u);
  EXPECT_EQ(m.headers["allow"], "GET, POST");
  EXPECT_EQ(call(c, "DELETE", "/instances/a").status, 200u);
  EXPECT_EQ(call(c, "DELETE", "/instances/zz").status, 200u);
  EXPECT_EQ(call(c, "GET", "/tools").body, "[]");
}

TEST(catalog_server, malformed_bodies_get_422_or_413) {
  server_options so;
  so.max_body = 1024;
  running_server srv(make_memory_store(), {}, so);
  auto c = srv.client();
  EXPECT_EQ(call(c, "POST", "/instances", "{not json").status, 422u);
  EXPECT_EQ(call(c, "POST", "/instances").status, 422u);
  auto wrong =
      call(c, "POST", "/instances", R"({"instance_id":1,"name":"n","version":"1","host":[]})");
  ASSERT_EQ(wrong.status, 422u);
  EXPECT_EQ(json::parse(wrong.body).at("detail").as_array().size(), 2u);
  call(c, "POST", "/instances", reg_a);
  EXPECT_EQ(call(c, "POST", "/instances/a/tools", R"({"tools":["x"]})").status, 422u);
  EXPECT_EQ(call(c, "POST", "/instances/a/tools", R"({"tool":[]})").status, 422u);
  EXPECT_EQ(call(c, "POST", "/instances/a/heartbeat", "[").status, 422u);
  auto big = call(c, "POST", "/instances/a/tools",
                  R"({"tools":[{"name":")" + std::string(2000, 'x') + R"("}]})");
  EXPECT_EQ(big.status, 413u);
  EXPECT_EQ(big.body, R"({"detail":"Request body too large"})");
  EXPECT_EQ(call(c, "GET", "/health").status, 200u);  // still serving
}

TEST(catalog_server, auth_matrix) {
  service_options o;
  o.api_key = "s3cret";
  running_server srv(make_memory_store(), o);
  auto anon = srv.client();
  auto wrong = srv.client("nope");
  auto right = srv.client("s3cret");
  for (auto* c : {&anon, &wrong}) {
    EXPECT_EQ(call(*c, "POST", "/instances", reg_a).status, 403u);
    EXPECT_EQ(call(*c, "POST", "/instances/a/heartbeat").status, 403u);
    EXPECT_EQ(call(*c, "POST", "/instances/a/tools", tools_a).status, 403u);
    auto d = call(*c, "DELETE", "/instances/a");
    EXPECT_EQ(d.status, 403u);
    EXPECT_EQ(d.body, R"({"detail":"Invalid or missing API key"})");
  }
  EXPECT_EQ(call(right, "POST", "/instances", reg_a).status, 201u);
  EXPECT_EQ(call(right, "POST", "/instances/a/heartbeat").status, 200u);
  EXPECT_EQ(call(right, "POST", "/instances/a/tools", tools_a).status, 200u);
  for (auto* c : {&anon, &wrong, &right}) {
    EXPECT_EQ(call(*c, "GET", "/instances").status, 200u);
    EXPECT_EQ(call(*c, "GET", "/tools").status, 200u);
    EXPECT_EQ(call(*c, "GET", "/health").status, 200u);
  }
  EXPECT_EQ(call(right, "DELETE", "/instances/a").status, 200u);
}

TEST(catalog_server, register_rate_limit_answers_429_with_retry_after) {
  running_server srv(make_memory_store(), {});
  auto c = srv.client();
  for (int i = 0; i < 60; ++i) ASSERT_EQ(call(c, "POST", "/instances", reg_a).status, 201u);
  auto r = call(c, "POST", "/instances", reg_a);
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.body, R"({"detail":"Rate limit exceeded: 60 per 1 minute"})");
  EXPECT_FALSE(r.headers["retry-after"].empty());
  EXPECT_EQ(call(c, "POST", "/instances/a/heartbeat").status, 200u);  // its own bucket
  auto metrics = call(c, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("neuromesh_catalog_rate_limited_total 1"), std::string::npos);
}

TEST(catalog_server, keep_alive_serves_many_requests_on_one_connection) {
  running_server srv(make_memory_store(), {});
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context ioc;
  asio::ip::tcp::socket sock(ioc);
  sock.connect({asio::ip::make_address("127.0.0.1"), srv.port()});
  boost::beast::flat_buffer buf;
  for (int i = 0; i < 3; ++i) {
    http::request<http::string_body> req{http::verb::get, "/health", 11};
    req.set(http::field::host, "x");
    http::write(sock, req);
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_TRUE(res.keep_alive());
  }
}

TEST(catalog_server, stop_closes_idle_keep_alive_connections_promptly) {
  auto srv = std::make_unique<running_server>(make_memory_store(), service_options{});
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::socket sock(ioc);
  sock.connect({asio::ip::make_address("127.0.0.1"), srv->port()});
  auto start = std::chrono::steady_clock::now();
  srv->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(catalog_server, state_survives_a_restart_on_sqlite) {
  auto dir =
      std::filesystem::temp_directory_path() / ("catalog-restart-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  store_url url{store_url::kind::sqlite, (dir / "catalog.db").string()};
  {
    running_server srv(open_instance_store(url).value(), {});
    auto c = srv.client();
    call(c, "POST", "/instances", reg_a);
    call(c, "POST", "/instances/a/tools", tools_a);
  }
  {
    running_server srv(open_instance_store(url).value(), {});
    auto c = srv.client();
    EXPECT_EQ(json::parse(call(c, "GET", "/tools").body).as_array().size(), 1u);
    EXPECT_EQ(call(c, "POST", "/instances/a/heartbeat").body, R"({"status":"ack"})");
  }
  std::filesystem::remove_all(dir);
}

TEST(catalog_server, an_acknowledged_heartbeat_is_in_the_sqlite_file) {
  auto dir =
      std::filesystem::temp_directory_path() / ("catalog-durable-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  store_url url{store_url::kind::sqlite, (dir / "catalog.db").string()};
  double acked_last_seen = 0;
  {
    running_server srv(open_instance_store(url).value(), {});
    auto c = srv.client();
    call(c, "POST", "/instances", reg_a);
    for (int i = 0; i < 20; ++i) {
      ASSERT_EQ(call(c, "POST", "/instances/a/heartbeat").status, 200u);
    }
    acked_last_seen =
        json::parse(call(c, "GET", "/instances/a").body).at("last_seen").to_number<double>();
  }
  // Read the file directly: the last acknowledged heartbeat is there.
  auto records = open_instance_store(url).value()->load_all().value();
  ASSERT_EQ(records.size(), 1u);
  // last_seen travels as a JSON double (~0.24 µs resolution at today's epoch); heartbeats are
  // milliseconds apart, so 100 µs still tells the last one from the one before.
  EXPECT_NEAR(std::chrono::duration<double>(records[0].last_seen.time_since_epoch()).count(),
              acked_last_seen, 1e-4);
  std::filesystem::remove_all(dir);
}

TEST(catalog_server, sweep_marks_stale_instances_and_reads_never_list_them) {
  server_options so;
  so.purge_interval = std::chrono::milliseconds(50);
  running_server srv(make_memory_store(), {}, so);
  auto c = srv.client();
  call(c, "POST", "/instances",
       R"({"instance_id":"a","name":"n","version":"1","host":"h","heartbeat_interval":0.1})");
  call(c, "POST", "/instances/a/tools", tools_a);
  EXPECT_EQ(json::parse(call(c, "GET", "/instances/a").body).at("active"), true);
  EXPECT_TRUE(testing::eventually([&] { return call(c, "GET", "/tools").body == "[]"; },
                                  std::chrono::seconds(5)));
  EXPECT_TRUE(testing::eventually(
      [&] {
        return call(c, "GET", "/metrics").body.find("neuromesh_catalog_swept_inactive_total 1") !=
               std::string::npos;
      },
      std::chrono::seconds(5)));
}

// Makes a self-signed certificate for 127.0.0.1 with the openssl CLI.
struct cert_files {
  std::filesystem::path dir, cert, key;
  cert_files() {
    dir = std::filesystem::temp_directory_path() / ("catalog-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    cert = dir / "cert.pem";
    key = dir / "key.pem";
    auto cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
        key.string() + " -out " + cert.string() + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl failed: " + cmd);
  }
  ~cert_files() { std::filesystem::remove_all(dir); }
};

TEST(catalog_server, tls_serves_with_a_certificate_the_test_made) {
  cert_files certs;
  server_options so;
  so.tls_cert_file = certs.cert.string();
  so.tls_key_file = certs.key.string();
  running_server srv(make_memory_store(), {}, so);
  auto c = srv.client({}, certs.cert.string());
  EXPECT_EQ(call(c, "GET", "/health").body, R"({"status":"ok"})");
  EXPECT_EQ(call(c, "POST", "/instances", reg_a).status, 201u);
  auto untrusting = srv.client();  // system CAs only: must refuse the self-signed cert
  EXPECT_FALSE(untrusting.exchange("GET", "/health", std::nullopt).has_value());
}

TEST(catalog_server, tls_needs_cert_and_key_together) {
  catalog_service svc(make_memory_store(), {});
  server_options so;
  so.port = 0;
  so.tls_cert_file = "/nonexistent.pem";
  EXPECT_THROW(server(svc, so), std::runtime_error);
}

TEST(catalog_server, mtls_refuses_a_client_without_a_certificate) {
  cert_files certs;
  server_options so;
  so.tls_cert_file = certs.cert.string();
  so.tls_key_file = certs.key.string();
  so.tls_client_ca_file = certs.cert.string();
  running_server srv(make_memory_store(), {}, so);
  auto c = srv.client({}, certs.cert.string());
  EXPECT_FALSE(c.exchange("GET", "/health", std::nullopt).has_value());
}

}  // namespace
}  // namespace neuromesh::catalog
