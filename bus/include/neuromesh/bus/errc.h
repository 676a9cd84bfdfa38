#pragma once
// The bus layer's error codes on Boost.System. Emit and poll failures come back as values
// (boost::system::result); error.h maps each code onto a typed exception for callers that
// prefer to throw.

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace neuromesh::bus {

enum class errc {
  /// The shard's ring is full and the mode refuses the event (DropNewest, FailProducer).
  backpressure = 1,
  /// The ring is full and Sample{rate} did not pick this event (1 in rate is kept).
  sampled,
  /// No shard can take the event (explicit shard out of range).
  unrouted,
  /// shutdown() has begun; the bus accepts no more events.
  shutting_down,
  /// An adapter call or a flush did not finish before its deadline.
  timeout,
  /// The adapter failed in a way a retry may fix (connection lost, server restarting).
  adapter_transient,
  /// The adapter failed in a way a retry will not fix (bad config, rejected command).
  adapter_fatal,
  /// A poll cursor is not one this bus produced (bad base64, JSON or shard number).
  invalid_cursor,
  /// A filter document is malformed (the message names the field).
  invalid_filter,
  /// An event payload could not be decoded (JSON or the typed from-JSON conversion).
  decode_failed,
  /// A subscription's bus has shut down and every retained event has been read.
  closed,
  /// A builder setting is out of range (the exception message names the setting).
  invalid_config,
};

const boost::system::error_category& bus_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), bus_category()};
}

/// True for the codes a dispatch retry may cure.
bool is_transient(const boost::system::error_code& ec) noexcept;

}  // namespace neuromesh::bus

namespace boost::system {
template <>
struct is_error_code_enum<neuromesh::bus::errc> : std::true_type {};
}  // namespace boost::system
