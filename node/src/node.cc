// The node's lifecycle: start (lock, stores, ports, Synapse), run, phased stop.
#include "neuromesh/node/node.h"

#include "neuromesh/catalog/instance_store.h"
#include "neuromesh/catalog/neurons.h"
#include "neuromesh/catalog/store_url.h"
#include "neuromesh/protocol/codec.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/registry/store_url.h"
#include "neuromesh/runtime/engram_url.h"
#include "neuromesh/synapse/busy_poll.h"
#include "neuromesh/synapse/synapse_from_url.h"
#include "node_impl.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <future>

namespace neuromesh::node {

namespace asio = boost::asio;

namespace {

void log_failure(const char* what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::error("node: {} failed: {}", what, x.what());
  }
}
void log_sweep_end(std::exception_ptr e) { log_failure("sweep timer", e); }
void log_ping_end(std::exception_ptr e) { log_failure("page keep-alive", e); }
void log_heartbeat_end(std::exception_ptr e) { log_failure("participant heartbeats", e); }
void log_stop_end(std::exception_ptr e) { log_failure("stop", e); }

constexpr std::size_t max_open_requests = 1000;
constexpr std::uint64_t max_mirror_queue = 100'000;

asio::awaitable<void> sweep_loop(node::impl* self) {
  for (;;) {
    self->sweep_timer.expires_after(self->config.sweep_interval);
    boost::system::error_code ec;
    co_await self->sweep_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || self->stopping) co_return;
    asio::post(self->store_ioc, [self] {
      auto swept = self->mirror->sweep();
      for (const auto& id : swept) spdlog::info("registry: {} is stale; marked deregistered", id);
      std::lock_guard lock(self->mirror_mu);
      self->mirror_snapshot = self->mirror->stats();
    });
  }
}

asio::awaitable<void> ping_loop(node::impl* self) {
  for (;;) {
    self->ping_timer.expires_after(std::chrono::seconds(15));
    boost::system::error_code ec;
    co_await self->ping_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || self->stopping) co_return;
    self->feed.ping();
  }
}

asio::awaitable<void> publish_one(node::impl* self, protocol::signal s, bool mirror_too) {
  auto subject = protocol::subject_for(self->config.ns, s);
  auto type = s.type;
  if (mirror_too) self->mirror_signal(s);
  auto ec = co_await self->bus->async_publish(std::move(subject), std::move(s));
  if (ec) {
    spdlog::warn("node: publishing {} failed: {}", protocol::to_string(type), ec.message());
  } else {
    self->stats.observe_out(type);
  }
}

asio::awaitable<void> heartbeat_loop(node::impl* self) {
  for (;;) {
    self->heartbeat_timer.expires_after(self->config.heartbeat_interval);
    boost::system::error_code ec;
    co_await self->heartbeat_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || self->stopping) co_return;
    std::vector<protocol::register_args> list;
    {
      std::lock_guard lock(self->participants_mu);
      list = self->participants;
    }
    for (const auto& p : list) co_await publish_one(self, protocol::heartbeat_signal(p.id), true);
  }
}

asio::awaitable<std::string> publish_checked(node::impl* self, protocol::signal s) {
  auto subject = protocol::subject_for(self->config.ns, s);
  auto type = s.type;
  auto ec = co_await self->bus->async_publish(std::move(subject), std::move(s));
  if (ec) co_return "publish failed: " + ec.message();
  self->stats.observe_out(type);
  co_return std::string();
}

asio::awaitable<void> phased_stop(node::impl* self) {
  spdlog::info("neuromesh up: stopping");
  // 1. No more HTTP; every page stream ends.
  if (self->http) self->http->stop();
  self->feed.close_all();
  self->sweep_timer.cancel();
  self->ping_timer.cancel();
  self->heartbeat_timer.cancel();
  self->signals.cancel();
  // 2. Participants hosted here leave the registry, on the bus and in the store.
  std::vector<protocol::register_args> list;
  {
    std::lock_guard lock(self->participants_mu);
    list.swap(self->participants);
  }
  for (const auto& p : list) co_await publish_one(self, protocol::deregister_signal(p.id), true);
  if (self->engram_host) co_await self->engram_host->async_stop();
  // 3. The Synapse client, then the broker (which lets queued lines drain).
  self->feed_sub.unsubscribe();
  if (self->bus) co_await self->bus->async_close();
  if (self->broker) co_await self->broker->async_stop();
  // 4. The mirror finishes what is queued; the store thread ends after it.
  asio::post(self->store_ioc, [self] { self->store_guard.reset(); });
  self->ioc.stop();
}

// Past the grace period (and a margin) the process ends: a stop must be bounded.
void watchdog(node::impl* self, std::chrono::milliseconds limit) {
  std::unique_lock lock(self->watchdog_mu);
  if (self->watchdog_cv.wait_for(lock, limit, [self] { return self->stop_done; })) return;
  std::fprintf(stderr, "neuromesh up: graceful stop took longer than %lld ms; exiting\n",
               static_cast<long long>(limit.count()));
  std::_Exit(3);
}

}  // namespace

namespace {

// The node's Engram: SQLite in the data folder, served on the node's own Synapse client.
// Called from start() while it drives the io_context by hand.
void start_engram(node::impl& s) {
  const auto path = s.config.data_dir / "engram.db";
  const std::string url = "sqlite:" + path.string();
  auto opened =
      runtime::open_engram(url, runtime::engram_identity{"memory", "context", {}, std::nullopt});
  if (!opened)
    throw std::runtime_error("cannot open the Engram " + url + ": " + opened.error().message);
  s.memory = std::shared_ptr<runtime::engram>(std::move(*opened));
  runtime::engram_host_options ho;
  ho.ns = s.config.ns;
  ho.subscribe = false;  // fed by on_signal from the node's namespace subscription
  s.engram_host = std::make_unique<runtime::engram_host>(s.ioc.get_executor(), *s.bus, ho);
  s.engram_host->attach(s.memory);
  auto started = asio::co_spawn(s.ioc, s.engram_host->async_start(), asio::use_future);
  while (started.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready)
    s.ioc.run_one_for(std::chrono::milliseconds(50));
  if (auto ec = started.get())
    throw std::runtime_error("cannot serve the Engram on " + s.endpoints.broker_url + ": " +
                             ec.message());
  s.endpoints.engram_id = s.memory->engram_id();
  s.endpoints.engram_kind = s.memory->engram_kind();
  s.endpoints.engram_url = url;
}

}  // namespace

node::impl::impl(node_config c) : config(std::move(c)), feed(config.feed_buffer), stats() {}

void node::impl::mirror_signal(const protocol::signal& s) {
  if (mirror_queued.load(std::memory_order_relaxed) >= max_mirror_queue) {
    mirror_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  mirror_queued.fetch_add(1, std::memory_order_relaxed);
  asio::post(store_ioc, [this, s] {
    mirror->on_signal(s);
    mirror_queued.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(mirror_mu);
    mirror_snapshot = mirror->stats();
  });
}

void node::impl::on_signal(const protocol::signal& s) {
  auto text = protocol::encode(s);
  stats.observe_in(s, text.size(), signal_stats::clock::now());
  feed.publish(text);
  using protocol::signal_type;
  switch (s.type) {
    case signal_type::recall:
    case signal_type::imprint:
    case signal_type::final:
    case signal_type::stop:
      // The Engram: served on its pool, replies published from the node's io_context.
      if (engram_host) engram_host->serve(s);
      break;
    default:
      break;
  }
  switch (s.type) {
    case signal_type::register_:
    case signal_type::heartbeat:
    case signal_type::deregister:
      mirror_signal(s);
      break;
    case signal_type::clarification:
    case signal_type::permission: {
      std::lock_guard lock(requests_mu);
      if (open_requests.size() >= max_open_requests) open_requests.erase(open_requests.begin());
      open_requests.emplace(s.id.str(), s);
      break;
    }
    case signal_type::clarification_answer:
    case signal_type::permission_decision:
      if (s.parent_id) {
        std::lock_guard lock(requests_mu);
        open_requests.erase(s.parent_id->str());
      }
      break;
    default:
      break;
  }
}

std::string node::impl::publish_blocking(protocol::signal s, std::chrono::milliseconds timeout) {
  if (stopping) return "the node is stopping";
  auto fut = asio::co_spawn(ioc, publish_checked(this, std::move(s)), asio::use_future);
  if (fut.wait_for(timeout) != std::future_status::ready) return "publish timed out";
  try {
    return fut.get();
  } catch (const std::exception& e) {
    return e.what();
  }
}

std::string node::impl::hello_json() const {
  boost::json::object o;
  o["namespace"] = config.ns;
  o["broker_url"] = endpoints.broker_url;
  o["http_url"] = endpoints.http_url;
  o["store"] = endpoints.store_url;
  o["embedded_broker"] = endpoints.embedded_broker;
  o["suspect_after_ms"] = config.suspect_after.count();
  o["stale_after_ms"] = config.stale_after.count();
  return boost::json::serialize(o);
}

void node::impl::begin_stop() {
  if (stopping.exchange(true)) return;
  watchdog_thread = std::thread(watchdog, this, config.shutdown_grace + std::chrono::seconds(3));
  asio::co_spawn(ioc, phased_stop(this), log_stop_end);
}

node::node(node_config config) : impl_(std::make_unique<impl>(std::move(config))) {}

node::~node() {
  auto& s = *impl_;
  // Started but never run: run the phased stop now, so nothing outlives what it uses.
  if (s.started && !s.ran) {
    stop();
    run();
  }
  s.store_guard.reset();
  if (s.store_thread.joinable()) s.store_thread.join();
}

void node::start(bool handle_signals) {
  auto& s = *impl_;
  const auto& c = s.config;
  s.lock.emplace(c.data_dir);

  // Stores: the registry's NeuronRecords and the catalog's instances, one database.
  auto store_url = c.store.empty() ? "sqlite:" + (c.data_dir / "neuromesh.db").string() : c.store;
  s.endpoints.store_url = store_url;
  auto reg = registry::open_store(store_url);
  if (!reg) throw std::runtime_error("cannot open the registry store: " + reg.error().message);
  s.store = std::shared_ptr<registry::registry_store>(std::move(*reg));
  mirror_options mo;
  mo.suspect_after = c.suspect_after;
  mo.stale_after = c.stale_after;
  s.mirror = std::make_unique<registry_mirror>(s.store, mo);
  auto curl = catalog::parse_store_url(store_url);
  if (!curl) throw std::runtime_error("store '" + store_url + "' is not a catalog store URL");
  auto cstore = catalog::open_instance_store(*curl);
  if (!cstore) throw std::runtime_error("cannot open the catalog store " + store_url);
  s.catalog =
      std::make_unique<catalog::catalog_service>(std::move(*cstore), catalog::service_options{});
  s.catalog->set_neuron_lister(catalog::make_neuron_lister(s.store));
  s.catalog->set_extension(s.make_extension());

  // Ports: the HTTP port first (its constructor binds), then the broker.
  catalog::server_options so;
  so.host = c.http_listen.host;
  so.port = c.http_listen.port;
  so.threads = c.http_threads;
  so.shutdown_grace = c.shutdown_grace / 2;
  try {
    s.http = std::make_unique<catalog::server>(*s.catalog, so);
  } catch (const std::exception& e) {
    throw std::runtime_error("--http-listen " + c.http_listen.to_string() + ": " + e.what());
  }
  auto http_host = c.http_listen.host.find(':') != std::string::npos
                       ? "[" + c.http_listen.host + "]"
                       : c.http_listen.host;
  s.endpoints.http_url = "http://" + http_host + ":" + std::to_string(s.http->port());

  std::string bus_url = c.synapse;
  if (bus_url.empty()) {
    synapse::broker_options bo;
    bo.host = c.broker_listen.host;
    bo.port = c.broker_listen.port;
    bo.stop_grace = c.shutdown_grace / 4;
    s.broker = std::make_unique<synapse::broker_server>(s.ioc.get_executor(), bo);
    if (auto ec = s.broker->listen()) {
      throw std::runtime_error("--broker-listen " + c.broker_listen.to_string() +
                               ": cannot listen: " + ec.message());
    }
    s.broker->start();
    bus_url = s.broker->url();
    s.endpoints.embedded_broker = true;
  } else {
    s.endpoints.embedded_broker = false;
  }
  s.endpoints.broker_url = bus_url;

  auto bus = synapse::synapse_from_url(bus_url, s.ioc.get_executor());
  if (!bus) throw std::runtime_error("--synapse: " + bus.error().message);
  s.bus = std::move(*bus);
  // Without the embedded broker nothing else keeps the io_context busy: hold it open while
  // start() drives it by hand.
  auto busy = asio::make_work_guard(s.ioc);
  auto connect = asio::co_spawn(s.ioc, s.bus->async_connect(), asio::use_future);
  while (connect.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    s.ioc.run_one_for(std::chrono::milliseconds(50));
  }
  if (auto ec = connect.get()) {
    throw std::runtime_error("cannot connect to the Synapse " + bus_url + ": " + ec.message());
  }
  auto sub = asio::co_spawn(
      s.ioc,
      s.bus->async_subscribe(protocol::namespace_wildcard(c.ns),
                             [self = &s](const protocol::signal& sig) { self->on_signal(sig); }),
      asio::use_future);
  while (sub.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    s.ioc.run_one_for(std::chrono::milliseconds(50));
  }
  auto subscribed = sub.get();
  if (!subscribed) {
    throw std::runtime_error("cannot subscribe to " + protocol::namespace_wildcard(c.ns) + ": " +
                             subscribed.error().message());
  }
  s.feed_sub = *subscribed;
  start_engram(s);
  busy.reset();

  if (handle_signals) {
    s.signals.add(SIGINT);
    s.signals.add(SIGTERM);
    s.signals.async_wait([self = &s](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      spdlog::info("neuromesh up: signal {}", sig);
      self->begin_stop();
    });
  }
  s.store_guard.emplace(asio::make_work_guard(s.store_ioc));
  s.store_thread = std::thread([&s] { s.store_ioc.run(); });
  s.http_thread = std::thread([&s] { s.http->run(); });
  s.started = true;
}

const node_endpoints& node::endpoints() const noexcept { return impl_->endpoints; }

void node::run() {
  auto& s = *impl_;
  if (!s.started) throw std::logic_error("node::run() before start()");
  if (s.ran) throw std::logic_error("node::run() called twice");
  s.ran = true;
  asio::co_spawn(s.ioc, sweep_loop(&s), log_sweep_end);
  asio::co_spawn(s.ioc, ping_loop(&s), log_ping_end);
  asio::co_spawn(s.ioc, heartbeat_loop(&s), log_heartbeat_end);
  // Until the phased stop ends.
  synapse::run_busy_polling(s.ioc, std::chrono::microseconds(s.config.busy_poll_us));
  // Let the cancelled operations complete, so no handler outlives what it refers to.
  s.ioc.restart();
  s.ioc.run_for(std::chrono::milliseconds(200));
  s.http_thread.join();
  s.store_thread.join();
  s.store->close();
  s.engram_host.reset();  // joins its pool
  if (s.memory) s.memory->close();
  {
    std::lock_guard lock(s.watchdog_mu);
    s.stop_done = true;
  }
  s.watchdog_cv.notify_all();
  if (s.watchdog_thread.joinable()) s.watchdog_thread.join();
  spdlog::info("neuromesh up: stopped");
}

void node::stop() {
  auto* self = impl_.get();
  asio::post(self->ioc, [self] { self->begin_stop(); });
}

synapse::synapse& node::bus() { return *impl_->bus; }
boost::asio::any_io_executor node::executor() { return impl_->ioc.get_executor(); }

void node::attach(protocol::register_args participant) {
  auto* self = impl_.get();
  {
    std::lock_guard lock(self->participants_mu);
    self->participants.push_back(participant);
  }
  asio::co_spawn(self->ioc, publish_one(self, protocol::register_signal(participant), true),
                 [](std::exception_ptr e) { log_failure("attach", e); });
}

}  // namespace neuromesh::node
