#pragma once
// The cortex layer's error codes on Boost.System. Appends, reads and queries return them as
// values (boost::system::result); opening a log or a database throws redex_error, whose
// what() names the file, the record and the rule that failed.

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <string>
#include <type_traits>

namespace neuromesh::cortex {

enum class errc {
  /// A channel name breaks Net's naming rules (the message says which).
  invalid_channel_name = 1,
  /// The file was closed; no more appends, and tails end once drained.
  closed,
  /// A disk write, fsync or truncate failed (the message carries errno's text).
  io_error,
  /// The data file would pass the 4 GiB its 32-bit index offsets can address.
  log_full,
  /// A log on disk is damaged before its tail (truncating it would lose good records).
  corrupt,
  /// A record or a snapshot could not be decoded (the message names the field).
  decode_failed,
  /// A tombstone names a sequence number that is not retained or already deleted.
  unknown_seq,
  /// An id the operation needs does not exist (complete an unknown task, …).
  not_found,
  /// A wait did not finish before its deadline.
  timeout,
  /// A configuration value is out of range or contradicts another one.
  invalid_config,
  /// The same log was opened again with a different configuration.
  config_mismatch,
};

const boost::system::error_category& cortex_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), cortex_category()};
}

/// Thrown by the calls that open or build things (a log, a manager, a database) and by the
/// throwing conveniences; code() is a cortex errc, what() the full one-line explanation.
class redex_error : public boost::system::system_error {
 public:
  redex_error(errc e, const std::string& what) : system_error(make_error_code(e), what) {}
};

}  // namespace neuromesh::cortex

namespace boost::system {
template <>
struct is_error_code_enum<neuromesh::cortex::errc> : std::true_type {};
}  // namespace boost::system
