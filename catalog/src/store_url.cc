#include "neuromesh/catalog/store_url.h"

#include "neuromesh/catalog/errc.h"

#include <cstdlib>
#include <filesystem>

namespace neuromesh::catalog {

boost::system::result<store_url> parse_store_url(std::string_view text) {
  store_url url;
  if (text == "memory:" || text == "memory" || text == "memory://") {
    url.backend = store_url::kind::memory;
    return url;
  }
  if (text.starts_with("sqlite:")) {
    auto path = text.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);  // sqlite:///abs and sqlite://rel
    if (path.empty()) return errc::bad_store_url;
    url.backend = store_url::kind::sqlite;
    url.location = std::string(path);
    return url;
  }
  if (text.starts_with("postgres://") || text.starts_with("postgresql://")) {
    url.backend = store_url::kind::postgres;
    url.location = std::string(text);
    return url;
  }
  return errc::bad_store_url;
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
