#include "neuromesh/registry/store_url.h"

#include "neuromesh/registry/memory_store.h"
#include "neuromesh/registry/postgres_store.h"
#include "neuromesh/registry/sqlite_store.h"

namespace neuromesh::registry {
namespace {

constexpr const char* expected =
    "expected memory:, sqlite:PATH, postgres://... or postgresql://...";

store_error bad(std::string message) { return {errc::bad_url, std::move(message)}; }

}  // namespace

store_result<store_url> parse_store_url(std::string_view url) {
  if (url.empty()) return bad(std::string("empty store URL; ") + expected);
  const auto colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return bad("store URL '" + std::string(url) + "' has no scheme; " + expected);
  const std::string_view scheme = url.substr(0, colon);
  std::string_view rest = url.substr(colon + 1);
  if (scheme == "memory") {
    if (rest != "" && rest != "//")
      return bad("store URL '" + std::string(url) + "': memory: takes no path");
    return store_url{store_url::kind::memory, ""};
  }
  if (scheme == "sqlite") {
    if (rest.starts_with("//")) rest.remove_prefix(2);  // sqlite:///abs/path
    if (rest.empty()) return bad("store URL '" + std::string(url) + "': sqlite: needs a file path");
    return store_url{store_url::kind::sqlite, std::string(rest)};
  }
  if (scheme == "postgres" || scheme == "postgresql") {
    if (!rest.starts_with("//"))
      return bad("store URL '" + std::string(url) + "': expected " + std::string(scheme) +
                 "://[user[:password]@]host[:port]/database");
    return store_url{store_url::kind::postgres, std::string(url)};
  }
  return bad("store URL '" + std::string(url) + "': unknown scheme '" + std::string(scheme) +
             "'; " + expected);
}

store_result<std::unique_ptr<registry_store>> open_store(std::string_view url,
                                                         const open_options& options) {
  auto parsed = parse_store_url(url);
  if (!parsed) return parsed.error();
  std::unique_ptr<registry_store> store;
  switch (parsed->backend) {
    case store_url::kind::memory:
      store = std::make_unique<memory_store>();
      break;
    case store_url::kind::sqlite: {
      sqlite_options o;
      o.path = parsed->location;
      o.read_only = options.read_only;
      store = std::make_unique<sqlite_store>(std::move(o));
      break;
    }
    case store_url::kind::postgres:
      store = std::make_unique<postgres_store>(parsed->location);
      break;
  }
  if (auto r = store->connect(); !r) return r.error();
  return store;
}

}  // namespace neuromesh::registry
