// The memory backend: keeps records for the life of the process (tests, --store memory:).
#include "neuromesh/catalog/instance_store.h"

#include <algorithm>
#include <map>
#include <mutex>

namespace neuromesh::catalog {
namespace {

class memory_store final : public instance_store {
 public:
  boost::system::result<std::vector<instance_record>> load_all() override {
    std::lock_guard lock(mu_);
    std::vector<instance_record> out;
    for (const auto& [id, r] : records_) out.push_back(r);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    return out;
  }
  boost::system::result<void> upsert(const instance_record& record) override {
    std::lock_guard lock(mu_);
    records_.insert_or_assign(record.instance_id, record);
    return {};
  }
  boost::system::result<void> touch(const std::string& id, wall_time last_seen) override {
    std::lock_guard lock(mu_);
    if (auto it = records_.find(id); it != records_.end()) {
      it->second.last_seen = last_seen;
      it->second.active = true;
      it->second.inactive_since.reset();
    }
    return {};
  }
  boost::system::result<void> deactivate(std::span<const instance_record> records) override {
    std::lock_guard lock(mu_);
    for (const auto& r : records) {
      if (auto it = records_.find(r.instance_id); it != records_.end()) {
        it->second.active = false;
        it->second.inactive_since = r.inactive_since;
      }
    }
    return {};
  }
  boost::system::result<void> erase(std::span<const std::string> ids) override {
    std::lock_guard lock(mu_);
    for (const auto& id : ids) records_.erase(id);
    return {};
  }
  std::string describe() const override { return "memory"; }

 private:
  std::mutex mu_;
  std::map<std::string, instance_record> records_;
};

}  // namespace

std::unique_ptr<instance_store> make_memory_store() { return std::make_unique<memory_store>(); }

}  // namespace neuromesh::catalog
