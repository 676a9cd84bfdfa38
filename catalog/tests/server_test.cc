#include "neuromesh/catalog/server.h"

#include "neuromesh/testing/self_signed_cert.h"
#include "neuromesh/testing/testing.h"
#include "server_fixture.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

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
  namespace http = boost::beast::http;
  asio::io_context ioc;
  asio::ip::tcp::socket sock(ioc);
  sock.connect({asio::ip::make_address("127.0.0.1"), srv->port()});
  // One request on the connection, answered with keep-alive: the connection is now idle
  // (the server's idle timeout is 60 s, so only the stop can close it).
  http::request<http::string_body> req{http::verb::get, "/health", 11};
  req.set(http::field::host, "x");
  http::write(sock, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(sock, buf, res);
  ASSERT_EQ(res.result_int(), 200u);
  ASSERT_TRUE(res.keep_alive());
  auto start = std::chrono::steady_clock::now();
  srv->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // The server closed its end: the next read ends (EOF or reset) instead of waiting.
  pollfd p{sock.native_handle(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1) << "the idle connection is still open after stop()";
  char byte;
  boost::system::error_code ec;
  auto n = sock.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

// The coarse idle check (no per-request deadline timer): a keep-alive connection that sends
// nothing, and one that stalls halfway through a request head, are both closed once they
// waited longer than idle_timeout, while a busy connection on the same server keeps going.
TEST(catalog_server, idle_check_closes_silent_and_stalled_connections_after_the_timeout) {
  server_options opts;
  opts.idle_timeout = std::chrono::milliseconds(300);
  running_server srv(make_memory_store(), service_options{}, opts);
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context ioc;
  auto connect = [&] {
    asio::ip::tcp::socket sock(ioc);
    sock.connect({asio::ip::make_address("127.0.0.1"), srv.port()});
    return sock;
  };
  auto get_health = [](asio::ip::tcp::socket& sock, boost::beast::flat_buffer& buf) {
    http::request<http::string_body> req{http::verb::get, "/health", 11};
    req.set(http::field::host, "x");
    http::write(sock, req);
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    return res;
  };
  auto silent = connect();
  boost::beast::flat_buffer silent_buf;
  ASSERT_EQ(get_health(silent, silent_buf).result_int(), 200u);
  auto stalled = connect();
  asio::write(stalled, asio::buffer(std::string_view("GET /health HTTP/1.1\r\nHost: x\r\n")));
  auto busy = connect();
  boost::beast::flat_buffer busy_buf;
  auto start = std::chrono::steady_clock::now();
  auto closed = [](asio::ip::tcp::socket& sock) {
    pollfd p{sock.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 0) != 1) return false;
    char byte;
    boost::system::error_code ec;
    auto n = sock.read_some(asio::buffer(&byte, 1), ec);
    return n == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
  };
  bool silent_closed = false;
  bool stalled_closed = false;
  int busy_requests = 0;
  while (!(silent_closed && stalled_closed) &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    // A request at least every 50 ms: never idle for the timeout, so never closed.
    ASSERT_EQ(get_health(busy, busy_buf).result_int(), 200u) << "after " << busy_requests;
    ++busy_requests;
    silent_closed = silent_closed || closed(silent);
    stalled_closed = stalled_closed || closed(stalled);
    // Wait for either connection to end (or 50 ms) before the busy one's next request.
    pollfd ends[2] = {{silent.native_handle(), POLLIN, 0}, {stalled.native_handle(), POLLIN, 0}};
    ::poll(ends, 2, 50);
  }
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(silent_closed) << "the silent keep-alive connection is still open";
  EXPECT_TRUE(stalled_closed) << "the connection with a half-sent request is still open";
  // Closed no earlier than the timeout (the silent one went idle before start) and no
  // later than the timeout, one check period and the polling step.
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(2));
  ASSERT_EQ(get_health(busy, busy_buf).result_int(), 200u);
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

// A catalog server in a forked child on a SQLite file; the parent kills it with SIGKILL.
class forked_server {
 public:
  explicit forked_server(const std::string& db_path) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::close(fds[0]);
      running_server srv(open_instance_store({store_url::kind::sqlite, db_path}).value(), {});
      std::uint16_t port = srv.port();
      if (::write(fds[1], &port, sizeof port) != sizeof port) ::_exit(1);
      for (;;) ::pause();  // until SIGKILL
    }
    ::close(fds[1]);
    if (::read(fds[0], &port_, sizeof port_) != sizeof port_) port_ = 0;
    ::close(fds[0]);
  }
  ~forked_server() { kill(); }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  catalog_client client() const {
    client_options o;
    o.registry_url = "http://127.0.0.1:" + std::to_string(port_);
    o.timeout = std::chrono::seconds(5);
    return catalog_client(std::move(o));
  }
  std::uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// Two checks. (1) While another connection holds the file's write lock, no commit can
// happen, so a heartbeat must not be acknowledged: a server that acknowledged before its
// commit answers at once and fails here. (2) Each round sends heartbeats, SIGKILLs the
// server the moment the last one is acknowledged, and reads the file: the last
// acknowledged heartbeat is there.
TEST(catalog_server, an_acknowledged_heartbeat_is_in_the_sqlite_file) {
  auto dir =
      std::filesystem::temp_directory_path() / ("catalog-durable-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "catalog.db").string();
  store_url url{store_url::kind::sqlite, path};
  {
    forked_server child(path);
    ASSERT_NE(child.port(), 0u);
    auto c = child.client();
    ASSERT_EQ(call(c, "POST", "/instances", reg_a).status, 201u);
    sqlite3* blocker = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &blocker), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    auto beat = std::async(std::launch::async,
                           [&c] { return c.exchange("POST", "/instances/a/heartbeat", {}); });
    EXPECT_EQ(beat.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout)
        << "a heartbeat was acknowledged while its commit was impossible";
    child.kill();
    beat.wait();
    sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(blocker);
  }
  for (int round = 0; round < 5; ++round) {
    wall_time sent_last;
    {
      forked_server child(path);
      ASSERT_NE(child.port(), 0u);
      auto c = child.client();
      for (int i = 0; i < 20; ++i) {
        sent_last = wall_clock::now();
        ASSERT_EQ(call(c, "POST", "/instances/a/heartbeat").status, 200u);
      }
      child.kill();  // right after the acknowledgement; nothing shuts down cleanly
    }
    auto records = open_instance_store(url).value()->load_all().value();
    ASSERT_EQ(records.size(), 1u);
    // The server stamped the last heartbeat after the client sent it.
    EXPECT_GE(records[0].last_seen, sent_last) << "round " << round;
  }
  std::filesystem::remove_all(dir);
}

// Many connections' heartbeats commit in shared SQLite transactions and their sessions are
// woken in batches (one drain per io_context): every one is answered, and each answer came
// after its write was in the file.
TEST(catalog_server, concurrent_heartbeats_on_sqlite_are_all_acknowledged_after_their_commit) {
  auto dir =
      std::filesystem::temp_directory_path() / ("catalog-concurrent-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  store_url url{store_url::kind::sqlite, (dir / "catalog.db").string()};
  constexpr int clients = 8;
  constexpr int beats = 25;
  std::vector<wall_time> last_sent(clients);
  {
    running_server srv(open_instance_store(url).value(), {});
    std::vector<std::thread> threads;
    std::atomic<int> acked{0};
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] {
        auto c = srv.client();
        auto id = "c" + std::to_string(i);
        auto reg = R"({"instance_id":")" + id + R"(","name":"n","version":"1","host":"h"})";
        auto r = c.exchange("POST", "/instances", reg);
        if (!r || r->status != 201u) return;
        for (int k = 0; k < beats; ++k) {
          last_sent[i] = wall_clock::now();
          auto b = c.exchange("POST", "/instances/" + id + "/heartbeat", {});
          if (b && b->status == 200u) acked.fetch_add(1);
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(acked.load(), clients * beats);
    // Checked against the file while the server still runs: acknowledged means committed.
    auto records = open_instance_store(url).value()->load_all().value();
    ASSERT_EQ(records.size(), static_cast<std::size_t>(clients));
    for (const auto& r : records) {
      int i = std::stoi(r.instance_id.substr(1));
      EXPECT_GE(r.last_seen, last_sent[i]) << r.instance_id;
    }
  }
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

using cert_files = neuromesh::testing::self_signed_cert;

TEST(catalog_server, tls_serves_with_a_certificate_the_test_made) {
  cert_files certs("catalog");
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
  cert_files certs("catalog");
  server_options so;
  so.tls_cert_file = certs.cert.string();
  so.tls_key_file = certs.key.string();
  so.tls_client_ca_file = certs.cert.string();
  running_server srv(make_memory_store(), {}, so);
  auto c = srv.client({}, certs.cert.string());
  EXPECT_FALSE(c.exchange("GET", "/health", std::nullopt).has_value());
}

TEST(catalog_server, mtls_serves_a_client_with_a_certificate_from_the_client_ca) {
  cert_files certs("catalog");  // self-signed: the certificate is its own CA
  server_options so;
  so.tls_cert_file = certs.cert.string();
  so.tls_key_file = certs.key.string();
  so.tls_client_ca_file = certs.cert.string();
  running_server srv(make_memory_store(), {}, so);
  client_options o;
  o.registry_url = srv.url();
  o.ca_file = certs.cert.string();
  o.cert_file = certs.cert.string();
  o.key_file = certs.key.string();
  o.timeout = std::chrono::seconds(5);
  catalog_client c(std::move(o));
  EXPECT_EQ(call(c, "GET", "/health").body, R"({"status":"ok"})");
  EXPECT_EQ(call(c, "POST", "/instances", reg_a).status, 201u);
  EXPECT_EQ(json::parse(call(c, "GET", "/instances").body).as_array().size(), 1u);
}

// Every write takes 200 ms to "commit" (on a thread of its own, as a store's writer does).
class slow_store final : public instance_store {
 public:
  ~slow_store() override {
    for (auto& t : writers_) t.join();
  }
  boost::system::result<std::vector<instance_record>> load_all() override {
    return inner_->load_all();
  }
  void submit(instance_write w, std::function<void(bool)> done) override {
    std::lock_guard lock(mu_);
    writers_.emplace_back([this, w = std::move(w), done = std::move(done)]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      inner_->submit(std::move(w), std::move(done));
    });
  }
  std::string describe() const override { return "slow"; }

 private:
  std::unique_ptr<instance_store> inner_ = make_memory_store();
  std::mutex mu_;
  std::vector<std::thread> writers_;
};

TEST(catalog_server, reads_stay_fast_while_writes_take_200ms_to_commit) {
  running_server srv(std::make_unique<slow_store>(), {});
  {
    auto c = srv.client();
    auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(call(c, "POST", "/instances", reg_a).status, 201u);
    // The acknowledgement waited for the commit.
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  }
  // Heartbeats on both I/O threads (one connection each, several in flight).
  std::atomic<int> acked{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&] {
      auto c = srv.client();
      for (int k = 0; k < 3; ++k) {
        if (call(c, "POST", "/instances/a/heartbeat").status == 200u) ++acked;
      }
    });
  }
  std::vector<std::chrono::microseconds> took;
  {
    auto reader = srv.client();
    // Wait until writes are pending, then time reads while they are.
    for (int i = 0; i < 12; ++i) {
      for (const char* path : {"/health", "/tools", "/instances/a"}) {
        auto start = std::chrono::steady_clock::now();
        EXPECT_EQ(call(reader, "GET", path).status, 200u);
        took.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start));
      }
    }
  }
  int done_while_reading = acked.load();
  for (auto& w : writers) w.join();
  EXPECT_EQ(acked.load(), 12);
  EXPECT_LT(done_while_reading, 12) << "the reads did not overlap the pending writes";
  std::sort(took.begin(), took.end());
  // A read stuck behind a write would take the write's 200 ms.
  EXPECT_LT(took[took.size() / 2], std::chrono::milliseconds(20));
  EXPECT_LT(took.back(), std::chrono::milliseconds(200));
}

}  // namespace
}  // namespace neuromesh::catalog
