#include "neuromesh/catalog/instance_store.h"

#include "neuromesh/catalog/errc.h"

#include <spdlog/spdlog.h>

#include <future>

namespace neuromesh::catalog {
namespace detail {
std::unique_ptr<instance_store> make_sqlite_store(const std::string& path);
std::unique_ptr<instance_store> make_postgres_store(const std::string& dsn);
}  // namespace detail

instance_write instance_write::upsert(instance_record r) {
  instance_write w;
  w.op = kind::upsert;
  w.instance_id = r.instance_id;
  w.record = std::move(r);
  return w;
}

namespace {
instance_write by_id(instance_write::kind op, std::string id, wall_time at) {
  instance_write w;
  w.op = op;
  w.instance_id = std::move(id);
  w.at = at;
  return w;
}
}  // namespace

instance_write instance_write::heartbeat(std::string id, wall_time last_seen) {
  return by_id(kind::heartbeat, std::move(id), last_seen);
}
instance_write instance_write::touch(std::string id, wall_time last_seen) {
  return by_id(kind::touch, std::move(id), last_seen);
}
instance_write instance_write::deactivate(std::string id, wall_time inactive_since) {
  return by_id(kind::deactivate, std::move(id), inactive_since);
}
instance_write instance_write::erase(std::string id) {
  return by_id(kind::erase, std::move(id), {});
}

boost::system::result<void> instance_store::write(std::vector<instance_write> writes) {
  if (writes.empty()) return {};
  struct joined {
    std::mutex mu;
    std::size_t left;
    bool ok = true;
    std::promise<void> all;
  };
  auto j = std::make_shared<joined>();
  j->left = writes.size();
  auto settled = j->all.get_future();
  for (auto& w : writes) {
    submit(std::move(w), [j](bool ok) {
      std::lock_guard lock(j->mu);
      j->ok = j->ok && ok;
      if (--j->left == 0) j->all.set_value();
    });
  }
  settled.wait();
  std::lock_guard lock(j->mu);
  if (!j->ok) return errc::store_failed;
  return {};
}

boost::system::result<void> instance_store::upsert(const instance_record& record) {
  std::vector<instance_write> w;
  w.push_back(instance_write::upsert(record));
  return write(std::move(w));
}

boost::system::result<void> instance_store::touch(const std::string& id, wall_time last_seen) {
  std::vector<instance_write> w;
  w.push_back(instance_write::touch(id, last_seen));
  return write(std::move(w));
}

boost::system::result<void> instance_store::deactivate(std::span<const instance_record> records) {
  std::vector<instance_write> w;
  for (const auto& r : records) {
    w.push_back(instance_write::deactivate(r.instance_id, r.inactive_since.value_or(r.last_seen)));
  }
  return write(std::move(w));
}

boost::system::result<void> instance_store::erase(std::span<const std::string> ids) {
  std::vector<instance_write> w;
  for (const auto& id : ids) w.push_back(instance_write::erase(id));
  return write(std::move(w));
}

boost::system::result<std::unique_ptr<instance_store>> open_instance_store(const store_url& url) {
  try {
    switch (url.backend) {
      case store_url::kind::memory:
        return make_memory_store();
      case store_url::kind::sqlite:
        return detail::make_sqlite_store(url.location);
      case store_url::kind::postgres:
        return detail::make_postgres_store(url.location);
    }
  } catch (const std::exception& e) {
    spdlog::error("catalog: cannot open store: {}", e.what());
  }
  return errc::store_open_failed;
}

}  // namespace neuromesh::catalog
