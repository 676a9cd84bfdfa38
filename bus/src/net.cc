#include "neuromesh/bus/net.h"

#include "neuromesh/bus/jetstream_adapter.h"
#include "neuromesh/bus/memory_adapter.h"
#include "neuromesh/bus/redis_adapter.h"

#include <boost/json/serializer.hpp>

#include <string>

namespace neuromesh::bus {

net_builder& net_builder::shards(std::uint16_t n) {
  config_.shards = n;
  return *this;
}
net_builder& net_builder::backpressure(backpressure_mode mode) {
  config_.mode = mode;
  return *this;
}
net_builder& net_builder::ring_capacity(std::size_t events) {
  config_.ring_capacity = events;
  return *this;
}
net_builder& net_builder::batching(batch_config batching) {
  config_.batching = batching;
  return *this;
}
net_builder& net_builder::retention(retention_config retention) {
  config_.retention = retention;
  return *this;
}
net_builder& net_builder::adapter_timeout(std::chrono::milliseconds timeout) {
  config_.adapter_timeout = timeout;
  return *this;
}
net_builder& net_builder::adapter_retries(std::uint32_t retries) {
  config_.adapter_retries = retries;
  return *this;
}
net_builder& net_builder::retry_backoff(std::chrono::milliseconds backoff) {
  config_.retry_backoff = backoff;
  return *this;
}
net_builder& net_builder::shutdown_budget(std::chrono::milliseconds budget) {
  config_.shutdown_budget = budget;
  return *this;
}
net_builder& net_builder::producer_nonce_path(std::string path) {
  config_.producer_nonce_path = std::move(path);
  return *this;
}
net_builder& net_builder::remote_poll_interval(std::chrono::milliseconds interval) {
  config_.remote_poll_interval = interval;
  return *this;
}
net_builder& net_builder::memory() {
  make_adapter_ = nullptr;
  return *this;
}
net_builder& net_builder::redis(redis_adapter_config config) {
  make_adapter_ = [config](const bus_config&) { return std::make_unique<redis_adapter>(config); };
  return *this;
}
net_builder& net_builder::jetstream(jetstream_adapter_config config) {
  make_adapter_ = [config](const bus_config&) {
    return std::make_unique<jetstream_adapter>(config);
  };
  return *this;
}
net_builder& net_builder::custom(std::function<std::unique_ptr<adapter>(const bus_config&)> make) {
  make_adapter_ = std::move(make);
  return *this;
}

net net_builder::build() {
  std::unique_ptr<adapter> a;
  if (make_adapter_) {
    a = make_adapter_(config_);
  } else {
    a = std::make_unique<memory_adapter>(config_.retention);
  }
  return net(event_bus::start(config_, std::move(a)));
}

namespace {

// Serialises into a per-thread buffer so the only allocation per emit is the payload's.
raw_event serialize(const boost::json::value& v) {
  thread_local std::string out;
  thread_local boost::json::serializer sr;
  out.clear();
  sr.reset(&v);
  char buf[4096];
  while (!sr.done()) out.append(sr.read(buf));
  return raw_event::copy_of(out);
}

}  // namespace

boost::system::result<receipt> net::emit(const boost::json::value& v) {
  return bus_->emit_raw(serialize(v));
}

boost::system::result<receipt> net::emit(const boost::json::value& v, partition_key key) {
  return bus_->emit_raw(serialize(v), key);
}

boost::system::result<receipt> net::emit_raw(std::string_view bytes) {
  return bus_->emit_raw(raw_event::copy_of(bytes));
}

boost::system::result<receipt> net::emit_str(std::string_view json, partition_key key) {
  return bus_->emit_raw(raw_event::copy_of(json), key);
}

std::size_t net::emit_batch(std::span<const boost::json::value> values) {
  std::vector<raw_event> events;
  events.reserve(values.size());
  for (const auto& v : values) events.push_back(serialize(v));
  return bus_->emit_raw_batch(events);
}

}  // namespace neuromesh::bus
