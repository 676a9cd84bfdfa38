#pragma once
// The --store value: memory:, sqlite:PATH (or sqlite://PATH), postgres://... / postgresql://...

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace neuromesh::catalog {

struct store_url {
  enum class kind { memory, sqlite, postgres };
  kind backend = kind::memory;
  std::string location;  ///< file path for sqlite, the libpq URI for postgres, empty for memory
};

/// Parses a --store value; errc::bad_store_url when the scheme is unknown or the path empty.
boost::system::result<store_url> parse_store_url(std::string_view text);

/// The default store: sqlite:<data dir>/catalog.db where the data dir is
/// $XDG_DATA_HOME/neuromesh, else ~/.local/share/neuromesh (created if missing).
std::string default_store_url();

}  // namespace neuromesh::catalog
