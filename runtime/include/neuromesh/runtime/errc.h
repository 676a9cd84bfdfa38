#pragma once
// Expected failures of the runtime, returned as values (Boost.System error codes, category
// "neuromesh.runtime"): a caller waiting on the mesh must handle them, so they are never
// exceptions. Programmer errors (role and type guards, bad arguments) are exceptions instead:
// see errors.h.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <type_traits>

namespace neuromesh::runtime {

enum class errc {
  timeout = 1,     ///< no matching Signal before the deadline (Python asyncio.TimeoutError)
  pathway_closed,  ///< the Pathway closed with nothing buffered (PathwayClosedError)
  no_responder,    ///< dispatch_offer: no BID arrived within the deadline
  cancelled,       ///< the operation was cancelled (dendrite stop, STOP, caller cancellation)
  not_running,     ///< the dendrite is not started
  publish_failed,  ///< the Synapse refused the publish (not connected, closed)
};

const boost::system::error_category& runtime_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), runtime_category()};
}

/// The result of an operation that can fail in an expected way.
template <class T>
using result = boost::system::result<T>;

}  // namespace neuromesh::runtime

template <>
struct boost::system::is_error_code_enum<neuromesh::runtime::errc> : std::true_type {};
