#include "neuromesh/catalog/instance_store.h"

#include "neuromesh/catalog/errc.h"

#include <spdlog/spdlog.h>

namespace neuromesh::catalog {
namespace detail {
std::unique_ptr<instance_store> make_sqlite_store(const std::string& path);
std::unique_ptr<instance_store> make_postgres_store(const std::string& dsn);
}  // namespace detail

void instance_store::touch_async(const std::string& instance_id, wall_time last_seen,
                                 std::function<void(bool ok)> done) {
  done(touch(instance_id, last_seen).has_value());
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
