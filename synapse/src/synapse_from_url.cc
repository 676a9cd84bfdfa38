#include "neuromesh/synapse/synapse_from_url.h"

#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/synapse/errc.h"
#include "neuromesh/synapse/nats_synapse.h"

#include <cctype>
#include <stdexcept>

namespace neuromesh::synapse {

void throw_exception_from_error(const url_error& e, const boost::source_location&) {
  throw std::invalid_argument(e.message);
}

boost::system::result<std::unique_ptr<synapse>, url_error> synapse_from_url(
    std::string_view url, boost::asio::any_io_executor ex) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0)
    return url_error{errc::bad_url,
                     "synapse URL '" + std::string(url) +
                         "' has no scheme; expected cosmo://, cosmos://, nats:// or kafka://"};
  std::string scheme(url.substr(0, sep));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "cosmo" || scheme == "cosmos") {
    auto opts = cosmo_synapse::parse_url(url);
    if (!opts)
      return url_error{errc::bad_url,
                       "synapse URL '" + std::string(url) +
                           "' is not cosmo://host:port or cosmos://host:port[?ca=&cert=&key=&"
                           "name=&verify=] with a port 0-65535"};
    return std::unique_ptr<synapse>(std::make_unique<cosmo_synapse>(std::move(ex), *opts));
  }
  if (scheme == "nats") {
    nats_options o;
    o.url = std::string(url);
    return std::unique_ptr<synapse>(std::make_unique<nats_synapse>(std::move(o)));
  }
  if (scheme == "kafka")
    return url_error{errc::unsupported_scheme,
                     "synapse URL '" + std::string(url) +
                         "': kafka:// is not supported in this build (use cosmo:// or nats://)"};
  return url_error{errc::bad_url, "synapse URL '" + std::string(url) + "' has unknown scheme '" +
                                      scheme +
                                      "'; expected cosmo://, cosmos://, nats:// or kafka://"};
}

}  // namespace neuromesh::synapse
