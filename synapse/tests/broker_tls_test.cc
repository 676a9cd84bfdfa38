// cosmos://: the broker and the cosmo:// client over TLS, with a certificate made by the
// openssl CLI for this run; plaintext and untrusting clients fail with a clear reason.
#include "broker_socket_support.h"
#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/synapse/errc.h"
#include "neuromesh/testing/self_signed_cert.h"
#include "neuromesh/testing/testing.h"
#include "synapse_test_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace neuromesh::synapse {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

struct broker_tls_test : ::testing::Test {
  static inline std::unique_ptr<testing::self_signed_cert> certs;
  static void SetUpTestSuite() { certs = std::make_unique<testing::self_signed_cert>("synapse"); }
  static void TearDownTestSuite() { certs.reset(); }

  test::io_thread io;
  std::unique_ptr<broker_server> server;

  void start(bool tls = true, std::string client_ca = {}) {
    broker_options o;
    o.port = 0;
    if (tls) {
      o.tls_cert_file = certs->cert.string();
      o.tls_key_file = certs->key.string();
      o.tls_client_ca_file = std::move(client_ca);
    }
    o.tls_handshake_timeout = 300ms;
    server = std::make_unique<broker_server>(io.executor(), o);
    ASSERT_FALSE(server->listen());
    server->start();
  }
  void TearDown() override {
    if (server) io.run(server->async_stop());
  }
  cosmo_options client_options(bool tls = true) {
    cosmo_options co;
    co.port = server->port();
    co.tls = tls;
    co.tls_ca_file = certs->cert.string();
    co.connect_timeout = 3s;
    return co;
  }
};

TEST_F(broker_tls_test, a_cosmos_client_publishes_and_receives_through_a_tls_broker) {
  start();
  EXPECT_TRUE(server->url().starts_with("cosmos://127.0.0.1:")) << server->url();
  auto parsed = cosmo_synapse::parse_url("cosmos://127.0.0.1:" + std::to_string(server->port()) +
                                         "?ca=" + certs->cert.string());
  ASSERT_TRUE(parsed);
  auto a = std::make_shared<cosmo_synapse>(io.executor(), *parsed);
  auto b = std::make_shared<cosmo_synapse>(io.executor(), client_options());
  ASSERT_FALSE(io.run(a->async_connect()));
  ASSERT_FALSE(io.run(b->async_connect()));
  EXPECT_TRUE(a->url().starts_with("cosmos://"));
  std::atomic<int> got{0};
  std::string seen;
  handler h = [&](const protocol::signal& s) {
    seen = s.id.str();
    ++got;
  };
  ASSERT_TRUE(io.run(a->async_subscribe("cosmonapse.dev.>", h, std::nullopt)));
  auto sig = test::make_signal("over tls");
  // No ack for sub: publish until the subscription is live (first delivery), then once more.
  ASSERT_TRUE(eventually([&] {
    (void)io.run(b->async_publish("cosmonapse.dev.TASK", sig));
    return eventually([&] { return got.load() > 0; }, 100ms);
  }));
  EXPECT_EQ(seen, sig.id.str());
  EXPECT_EQ(server->stats().tls_failures, 0u);
  io.run(a->async_close());
  io.run(b->async_close());
}

TEST_F(broker_tls_test, a_plaintext_client_is_told_tls_is_required_and_closed) {
  start();
  raw_client raw(server->port());
  auto line = raw.read_line(3s);  // nothing sent: after the handshake timeout, the reason
  EXPECT_EQ(line,
            R"({"op":"err","message":"this broker requires TLS: connect with a cosmos:// URL"})");
  EXPECT_EQ(raw.read_line(3s), "<eof>");
  raw_client eager(server->port());
  eager.send_line(R"({"op":"ping"})");  // speaks first, in plaintext: told at once
  EXPECT_NE(eager.read_line(3s).find("requires TLS"), std::string::npos);
  // Our client without TLS fails its connect (it reads the err, not a welcome).
  auto plain = std::make_shared<cosmo_synapse>(io.executor(), client_options(false));
  EXPECT_EQ(io.run(plain->async_connect()), make_error_code(errc::handshake_failed));
  EXPECT_TRUE(eventually([&] { return server->stats().tls_failures == 3; }));
  EXPECT_EQ(server->session_count(), 0u);
}

TEST_F(broker_tls_test, a_client_that_does_not_trust_the_certificate_fails_the_handshake) {
  start();
  auto o = client_options();
  o.tls_ca_file.clear();  // the system's CAs: the self-signed certificate is not among them
  auto c = std::make_shared<cosmo_synapse>(io.executor(), o);
  EXPECT_EQ(io.run(c->async_connect()), make_error_code(errc::handshake_failed));
  auto wrong_name = client_options();
  wrong_name.tls_server_name = "other.example";
  auto d = std::make_shared<cosmo_synapse>(io.executor(), wrong_name);
  EXPECT_EQ(io.run(d->async_connect()), make_error_code(errc::handshake_failed));
  EXPECT_TRUE(eventually([&] { return server->stats().tls_failures == 2; }));
}

TEST_F(broker_tls_test, a_tls_client_against_a_plaintext_broker_fails_at_once) {
  start(/*tls=*/false);
  auto c = std::make_shared<cosmo_synapse>(io.executor(), client_options());
  auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(io.run(c->async_connect()), make_error_code(errc::handshake_failed));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);  // not the 3 s connect timeout
}

TEST_F(broker_tls_test, mutual_tls_needs_a_client_certificate_signed_by_the_ca) {
  start(/*tls=*/true, /*client_ca=*/certs->cert.string());
  auto anonymous = std::make_shared<cosmo_synapse>(io.executor(), client_options());
  EXPECT_EQ(io.run(anonymous->async_connect()), make_error_code(errc::handshake_failed));
  auto o = client_options();
  o.tls_cert_file = certs->cert.string();
  o.tls_key_file = certs->key.string();
  auto known = std::make_shared<cosmo_synapse>(io.executor(), o);
  EXPECT_FALSE(io.run(known->async_connect()));
  EXPECT_TRUE(known->connected());
  io.run(known->async_close());
}

TEST(broker_tls, bad_tls_settings_throw_a_clear_error) {
  test::io_thread io;
  broker_options o;
  o.tls_cert_file = "/nonexistent/cert.pem";
  EXPECT_THROW(broker_server(io.executor(), o), std::runtime_error);  // no key
  o.tls_key_file = "/nonexistent/key.pem";
  try {
    broker_server s(io.executor(), o);
    ADD_FAILURE() << "a missing certificate file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cert.pem"), std::string::npos) << e.what();
  }
}

TEST(cosmos_url, parses_tls_options_and_rejects_unknown_ones) {
  auto a = cosmo_synapse::parse_url("cosmos://h:7443?ca=/c.pem&cert=/a.pem&key=/k.pem&name=n");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->host, "h");
  EXPECT_EQ(a->port, 7443);
  EXPECT_EQ(a->tls_ca_file, "/c.pem");
  EXPECT_EQ(a->tls_cert_file, "/a.pem");
  EXPECT_EQ(a->tls_key_file, "/k.pem");
  EXPECT_EQ(a->tls_server_name, "n");
  EXPECT_TRUE(a->tls_verify);
  auto b = cosmo_synapse::parse_url("COSMOS://h?verify=false");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->tls_verify);
  EXPECT_EQ(b->port, 7070);
  EXPECT_FALSE(cosmo_synapse::parse_url("cosmos://h:1?nope=1"));
  EXPECT_FALSE(cosmo_synapse::parse_url("cosmos://h:1?ca"));
  EXPECT_FALSE(cosmo_synapse::parse_url("cosmo://h:1?ca=/c.pem"));  // TLS options need TLS
  EXPECT_FALSE(cosmo_synapse::parse_url("cosmo://h:1").value().tls);
}

}  // namespace
}  // namespace neuromesh::synapse
