#include "neuromesh/catalog/store_url.h"

#include "neuromesh/catalog/errc.h"
#include "neuromesh/registry/store_url.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>

namespace neuromesh::catalog {

// One URL syntax for the whole program: the registry layer's parser decides.
boost::system::result<store_url> parse_store_url(std::string_view text) {
  auto parsed = registry::parse_store_url(text);
  if (!parsed) {
    spdlog::debug("catalog: --store {}: {}", text, parsed.error().message);
    return errc::bad_store_url;
  }
  store_url url;
  url.location = parsed->location;
  switch (parsed->backend) {
    case registry::store_url::kind::memory:
      url.backend = store_url::kind::memory;
      break;
    case registry::store_url::kind::sqlite:
      url.backend = store_url::kind::sqlite;
      break;
    case registry::store_url::kind::postgres:
      url.backend = store_url::kind::postgres;
      break;
  }
  return url;
}

std::string default_store_url() {
  namespace fs = std::filesystem;
  fs::path dir;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    dir = fs::path(xdg) / "neuromesh";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = fs::path(home) / ".local" / "share" / "neuromesh";
  } else {
    dir = fs::current_path() / ".neuromesh";
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  return "sqlite:" + (dir / "catalog.db").string();
}

}  // namespace neuromesh::catalog
