#pragma once
// Test scaffolding shared by the synapse tests: an io_context on a background thread (the
// testing layer's io_thread), and one "bus" per backend (memory, cosmo:// broker
// started in-process on a free port, NATS from NEUROMESH_NATS_URL).

#include "neuromesh/protocol/signal.h"
#include "neuromesh/synapse/broker_server.h"
#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/synapse/memory_synapse.h"
#include "neuromesh/synapse/nats_synapse.h"
#include "neuromesh/testing/io_thread.h"
#include "neuromesh/testing/testing.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/object.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace neuromesh::synapse::test {

using neuromesh::testing::io_thread;

/// One bus: hands out connected clients that all see each other.
class bus {
 public:
  virtual ~bus() = default;
  /// A connected client (memory: the one shared in-process instance).
  virtual std::shared_ptr<synapse> client() = 0;
  /// A fresh, never-connected instance.
  virtual std::shared_ptr<synapse> unconnected() = 0;
};

class memory_bus final : public bus {
 public:
  explicit memory_bus(io_thread& io) : io_(io) {
    if (io_.run(shared_->async_connect())) throw std::runtime_error("memory connect failed");
  }
  // Closing drops every subscription (and handlers that captured the synapse).
  ~memory_bus() override { io_.run(shared_->async_close()); }
  std::shared_ptr<synapse> client() override { return shared_; }
  std::shared_ptr<synapse> unconnected() override { return std::make_shared<memory_synapse>(); }

 private:
  io_thread& io_;
  std::shared_ptr<memory_synapse> shared_ = std::make_shared<memory_synapse>();
};

class cosmo_bus final : public bus {
 public:
  explicit cosmo_bus(io_thread& io, std::uint16_t port = 0) : io_(io) {
    broker_options o;
    o.port = port;
    server_ = std::make_unique<broker_server>(io_.executor(), o);
    if (auto ec = server_->listen()) throw std::runtime_error("broker listen: " + ec.message());
    server_->start();
    port_ = server_->port();
  }
  ~cosmo_bus() override {
    for (auto& c : clients_) io_.run(c->async_close());
    stop();
  }
  void stop() {
    if (server_) io_.run(server_->async_stop());
    server_.reset();
  }
  std::uint16_t port() const { return port_; }
  broker_server& server() { return *server_; }
  std::shared_ptr<cosmo_synapse> cosmo_client() {
    auto c = std::static_pointer_cast<cosmo_synapse>(unconnected());
    if (auto ec = io_.run(c->async_connect()))
      throw std::runtime_error("cosmo connect: " + ec.message());
    clients_.push_back(c);
    return c;
  }
  std::shared_ptr<synapse> client() override { return cosmo_client(); }
  std::shared_ptr<synapse> unconnected() override {
    cosmo_options o;
    o.port = port_;
    o.reconnect_min = std::chrono::milliseconds(10);
    o.reconnect_max = std::chrono::milliseconds(100);
    return std::make_shared<cosmo_synapse>(io_.executor(), o);
  }

 private:
  io_thread& io_;
  std::unique_ptr<broker_server> server_;
  std::uint16_t port_ = 0;
  std::vector<std::shared_ptr<cosmo_synapse>> clients_;
};

class nats_bus final : public bus {
 public:
  explicit nats_bus(io_thread& io, std::string url = {}) : io_(io), url_(std::move(url)) {
    if (url_.empty()) url_ = testing::env_or("NEUROMESH_NATS_URL", "");
    if (url_.empty())
      throw std::runtime_error(
          "NEUROMESH_NATS_URL is not set: start the services (scripts/services start DIR; "
          "source DIR/env) before running the NATS tests");
  }
  ~nats_bus() override {
    for (auto& c : clients_) io_.run(c->async_close());
  }
  std::shared_ptr<synapse> client() override {
    auto c = unconnected();
    if (auto ec = io_.run(c->async_connect()))
      throw std::runtime_error("nats connect to " + url_ + ": " + ec.message());
    clients_.push_back(c);
    return c;
  }
  std::shared_ptr<synapse> unconnected() override {
    nats_options o;
    o.url = url_;
    return std::make_shared<nats_synapse>(o);
  }

 private:
  io_thread& io_;
  std::string url_;
  std::vector<std::shared_ptr<synapse>> clients_;
};

/// Collects what a handler receives (handlers run on the io thread, tests poll from theirs).
/// Collects what a handler receives. The handlers share its state, so a Signal delivered
/// after the test body let the inbox go (a client that outlives it) lands harmlessly.
class inbox {
 public:
  handler make() {
    return [st = st_](const protocol::signal& s) {
      std::lock_guard lock(st->mu);
      st->got.push_back(s);
    };
  }
  std::size_t size() const {
    std::lock_guard lock(st_->mu);
    return st_->got.size();
  }
  std::vector<protocol::signal> all() const {
    std::lock_guard lock(st_->mu);
    return st_->got;
  }

 private:
  struct state {
    std::mutex mu;
    std::vector<protocol::signal> got;
  };
  std::shared_ptr<state> st_ = std::make_shared<state>();
};

inline protocol::signal make_signal(std::string text = "hi") {
  protocol::signal s;
  boost::json::object payload;
  payload["input"] = boost::json::object{{"q", std::move(text)}, {"n", 42}};
  s.payload = protocol::raw_object(payload);
  return s;
}

}  // namespace neuromesh::synapse::test
