#pragma once
// Errors a Synapse returns as values (Boost.System error codes, category "neuromesh.synapse").

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace neuromesh::synapse {

enum class errc {
  not_connected = 1,   ///< the transport is not connected (never connected, or reconnecting)
  closed,              ///< close() was called; the object is finished
  timeout,             ///< request() got no reply within its timeout
  unsupported_scheme,  ///< a known URL scheme this build has no transport for (kafka://)
  bad_url,             ///< a URL that cannot be parsed or has an unknown scheme
  handshake_failed,    ///< the cosmo:// broker did not send its welcome line
  backend_error,       ///< the backend library (libnats) reported an error
};

const boost::system::error_category& synapse_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), synapse_category()};
}

}  // namespace neuromesh::synapse

template <>
struct boost::system::is_error_code_enum<neuromesh::synapse::errc> : std::true_type {};
