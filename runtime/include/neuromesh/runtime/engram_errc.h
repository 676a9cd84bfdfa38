#pragma once
// Error codes of Engram and Effector calls on Boost.System (reference §4.16, §6.1). The first
// four of each are the Python SDK's named exceptions; the rest are backend failures, each
// returned with a message naming the cause (engram_error).

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>

namespace neuromesh::runtime {

enum class engram_errc {
  timeout = 1,       ///< EngramTimeout: the deadline passed without a reply
  cancelled,         ///< EngramCancelled: the trace ended (FINAL/ERROR/STOP) or shutdown
  not_bound,         ///< EngramNotBound: a binding name the Axon was not given
  overloaded,        ///< EngramOverloaded: the backend sheds load
  invalid_argument,  ///< a malformed request; the message names the field
  not_connected,     ///< a call before connect() or after close()
  unavailable,       ///< the database cannot be opened or the server cannot be reached
  read_only,         ///< the database refuses writes
  corrupt,           ///< the file is not a SQLite database, or it is damaged
  schema_too_new,    ///< the database was written by a newer neuromesh
  busy,              ///< the database stayed locked for the whole retry budget
  bad_record,        ///< a stored row cannot be decoded; the message names the row
  backend_error,     ///< any other failure reported by SQLite or PostgreSQL
};

enum class effector_errc {
  timeout = 1,  ///< EffectorTimeout: the deadline passed without a TOOL_RESULT
  cancelled,    ///< EffectorCancelled: the trace ended while the call was in flight
  not_bound,    ///< EffectorNotBound: a binding name the Axon was not given
  overloaded,   ///< EffectorOverloaded: the backend sheds load
};

/// "neuromesh.engram" and "neuromesh.effector".
const boost::system::error_category& engram_category() noexcept;
const boost::system::error_category& effector_category() noexcept;

inline boost::system::error_code make_error_code(engram_errc e) noexcept {
  return {static_cast<int>(e), engram_category()};
}
inline boost::system::error_code make_error_code(effector_errc e) noexcept {
  return {static_cast<int>(e), effector_category()};
}

/// A failure with its cause spelled out, e.g. {engram_errc::invalid_argument,
/// "query.top_k: expected a non-negative integer, got \"ten\""}.
struct engram_error {
  boost::system::error_code code;
  std::string message;
};

template <class T>
using engram_result = boost::system::result<T, engram_error>;

/// Thrown only by engram_result::value() on an error (callers that prefer exceptions).
class engram_exception : public std::runtime_error {
 public:
  explicit engram_exception(const engram_error& e) : std::runtime_error(e.message), code_(e.code) {}
  boost::system::error_code code() const noexcept { return code_; }

 private:
  boost::system::error_code code_;
};

[[noreturn]] void throw_exception_from_error(const engram_error& e,
                                             const boost::source_location& loc);

}  // namespace neuromesh::runtime

template <>
struct boost::system::is_error_code_enum<neuromesh::runtime::engram_errc> : std::true_type {};
template <>
struct boost::system::is_error_code_enum<neuromesh::runtime::effector_errc> : std::true_type {};
