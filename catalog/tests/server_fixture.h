#pragma once
// A catalog server on a free loopback port, run on its own thread for one test.

#include "neuromesh/catalog/catalog_client.h"
#include "neuromesh/catalog/server.h"
#include "neuromesh/catalog/service.h"

#include <memory>
#include <thread>

namespace neuromesh::catalog::test {

class running_server {
 public:
  running_server(std::unique_ptr<instance_store> store, service_options sopts,
                 server_options opts = {}) {
    service_ = std::make_unique<catalog_service>(std::move(store), std::move(sopts));
    opts.port = 0;
    opts.threads = 2;
    server_ = std::make_unique<server>(*service_, std::move(opts));
    thread_ = std::thread([this] { server_->run(); });
  }
  ~running_server() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }
  std::string url() const {
    return std::string(server_->tls() ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(port());
  }
  catalog_client client(std::optional<std::string> key = {},
                        std::optional<std::string> ca = {}) const {
    client_options o;
    o.registry_url = url();
    o.api_key = std::move(key);
    o.ca_file = std::move(ca);
    o.timeout = std::chrono::seconds(5);
    return catalog_client(std::move(o));
  }
  catalog_service& service() { return *service_; }

 private:
  std::unique_ptr<catalog_service> service_;
  std::unique_ptr<server> server_;
  std::thread thread_;
};

}  // namespace neuromesh::catalog::test
