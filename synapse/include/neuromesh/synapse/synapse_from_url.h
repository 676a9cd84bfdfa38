#pragma once
// Picks a transport from a URL (reference/cosmonapse.md §3.7). Schemes are case-insensitive:
//   cosmo://host:port  -> cosmo_synapse (host defaults to 127.0.0.1, port to 7070)
//   nats://...         -> nats_synapse with the URL as given
//   kafka://...        -> error: not supported in this build
// Anything else is an error naming the scheme. There is no URL for memory_synapse (it is
// in-process; construct it directly).

#include "neuromesh/synapse/synapse.h"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace neuromesh::synapse {

struct url_error {
  boost::system::error_code code;  ///< errc::bad_url or errc::unsupported_scheme
  std::string message;             ///< names the URL and what is wrong with it
};

/// Lets result<T, url_error>::value() throw std::invalid_argument(message).
[[noreturn]] void throw_exception_from_error(const url_error& e, const boost::source_location&);

boost::system::result<std::unique_ptr<synapse>, url_error> synapse_from_url(
    std::string_view url, boost::asio::any_io_executor ex);

}  // namespace neuromesh::synapse
