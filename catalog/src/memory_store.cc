// The memory backend: keeps records for the life of the process (tests, --store memory:).
// A write is "committed" as soon as it is applied, so submit() completes at once.
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

  void submit(instance_write w, std::function<void(bool)> done) override {
    {
      std::lock_guard lock(mu_);
      apply(w);
    }
    if (done) done(true);
  }

  std::string describe() const override { return "memory"; }

 private:
  void apply(instance_write& w) {
    using kind = instance_write::kind;
    if (w.op == kind::upsert) {
      records_.insert_or_assign(w.record->instance_id, std::move(*w.record));
      return;
    }
    auto it = records_.find(w.instance_id);
    if (it == records_.end()) return;
    auto& r = it->second;
    switch (w.op) {
      case kind::heartbeat:
      case kind::touch:
        r.last_seen = w.at;
        r.active = true;
        r.inactive_since.reset();
        break;
      case kind::deactivate:
        r.active = false;
        r.inactive_since = w.at;
        break;
      case kind::erase:
        records_.erase(it);
        break;
      case kind::upsert:
        break;
    }
  }

  std::mutex mu_;
  std::map<std::string, instance_record> records_;
};

}  // namespace

std::unique_ptr<instance_store> make_memory_store() { return std::make_unique<memory_store>(); }

}  // namespace neuromesh::catalog
