#include "neuromesh/runtime/engram_url.h"

#include "neuromesh/registry/store_url.h"
#include "neuromesh/runtime/engram_memory.h"
#include "neuromesh/runtime/engram_postgres.h"
#include "neuromesh/runtime/engram_sqlite.h"

namespace neuromesh::runtime {

engram_result<std::unique_ptr<engram>> open_engram(std::string_view url,
                                                   std::optional<engram_identity> identity) {
  auto parsed = registry::parse_store_url(url);
  if (!parsed) return engram_error{engram_errc::invalid_argument, parsed.error().message};
  std::unique_ptr<engram> out;
  switch (parsed->backend) {
    case registry::store_url::kind::memory:
      out = std::make_unique<memory_engram>(identity.value_or(default_memory_identity()));
      break;
    case registry::store_url::kind::sqlite: {
      sqlite_engram_options o;
      o.path = parsed->location;
      o.identity = identity.value_or(default_sqlite_identity());
      out = std::make_unique<sqlite_engram>(std::move(o));
      break;
    }
    case registry::store_url::kind::postgres: {
      postgres_engram_options o;
      o.dsn = parsed->location;
      o.identity = identity.value_or(default_postgres_identity());
      out = std::make_unique<postgres_engram>(std::move(o));
      break;
    }
  }
  if (auto c = out->connect(); !c) return c.error();
  return out;
}

}  // namespace neuromesh::runtime
