#pragma once
// A gate that blocks threads until the test opens it, and a registry store whose upsert or
// list waits at one (a slow SQLite / PostgreSQL stand-in): shared by the tests that prove
// blocking work runs off the dendrite's executor.

#include "neuromesh/registry/memory_store.h"
#include "neuromesh/registry/registry_store.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace neuromesh::runtime::test {

/// Blocks wait() until release(); counts the waiters and notes whether one waited on
/// dendrite_thread (set it to the thread running the dendrite).
struct gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> waiting{0};
  std::atomic<bool> on_dendrite_thread{false};
  std::thread::id dendrite_thread;
  void wait() {
    if (std::this_thread::get_id() == dendrite_thread) on_dendrite_thread = true;
    ++waiting;
    std::unique_lock lock(mu);
    cv.wait(lock, [this] { return open; });
    --waiting;
  }
  void release() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
};

/// A memory_store (inner) whose upsert or list first waits at the gate.
class gated_store final : public registry::registry_store {
 public:
  enum class blocks { upsert, list };
  gated_store(std::shared_ptr<gate> g, blocks which) : g_(std::move(g)), which_(which) {}
  registry::memory_store inner;

  registry::store_result<void> connect() override { return inner.connect(); }
  void close() noexcept override { inner.close(); }
  std::string_view backend() const noexcept override { return "gated"; }
  registry::store_stats stats() const noexcept override { return inner.stats(); }

 protected:
  registry::store_result<void> do_upsert(const registry::neuron_record& r) override {
    if (which_ == blocks::upsert) g_->wait();
    return inner.upsert(r);
  }
  registry::store_result<void> do_mark_deregistered(std::string_view id) override {
    return inner.mark_deregistered(id);
  }
  registry::store_result<void> do_touch_heartbeat(std::string_view id, registry::time_point ts,
                                                  std::optional<std::string_view> st) override {
    return inner.touch_heartbeat(id, ts, st);
  }
  registry::store_result<std::optional<registry::neuron_record>> do_get(
      std::string_view id) override {
    return inner.get(id);
  }
  registry::store_result<std::vector<registry::neuron_record>> do_list(
      const registry::list_options& o) override {
    if (which_ == blocks::list) g_->wait();
    return inner.list(o);
  }
  void count_rejected() noexcept override {}

 private:
  std::shared_ptr<gate> g_;
  blocks which_;
};

}  // namespace neuromesh::runtime::test
