#pragma once
// Error codes of the registry layer on Boost.System (the code Asio, Beast and JSON already
// return). Every store failure is one of these plus a message naming the cause (store_error).

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace neuromesh::registry {

enum class errc {
  bad_url = 1,       ///< a store URL is malformed or names an unknown scheme
  not_connected,     ///< a call before connect() or after close()
  invalid_argument,  ///< bad input (e.g. an empty neuron_id); the message names the field
  unavailable,       ///< the database cannot be opened or the server cannot be reached
  read_only,         ///< the database refuses writes (read-only file, folder or server)
  corrupt,           ///< the file is not a SQLite database, or it is damaged
  schema_too_new,    ///< the database was written by a newer neuromesh (user_version)
  busy,              ///< the database stayed locked for the whole retry budget
  bad_record,        ///< a stored row cannot be decoded (bad JSON or timestamp); names it
  backend_error,     ///< any other failure reported by SQLite or PostgreSQL
};

/// The category of errc ("neuromesh.registry").
const boost::system::error_category& registry_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), registry_category()};
}

}  // namespace neuromesh::registry

template <>
struct boost::system::is_error_code_enum<neuromesh::registry::errc> : std::true_type {};
