#pragma once
// The mesh layer's errors. Every fallible call returns mesh::result<T>: a value or an `error`
// carrying an errc (for programs to branch on) and a sentence naming the field or the peer
// (for people). Expected outcomes — a truncated packet, a replay, back-pressure, a peer that
// is not connected — are values, never exceptions.

#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <type_traits>

namespace neuromesh::mesh {

enum class errc {
  /// Input ended before a fixed-size field (the message names the field and the sizes).
  truncated = 1,
  /// A magic number did not match (0x4E45 for the Net header, 0x5452 for the routing header).
  bad_magic,
  /// A version byte this codec does not speak.
  bad_version,
  /// A length field disagrees with the bytes present, or exceeds its limit.
  bad_length,
  /// A field holds a value outside its domain (unknown flag bits, bad hex, wrong JSON type).
  bad_field,
  /// An ed25519 signature did not verify.
  invalid_signature,
  /// A token's not_after has passed.
  expired,
  /// A token's not_before is still in the future.
  not_yet_valid,
  /// A token was asked for with a zero TTL.
  zero_ttl,
  /// A token's validity window exceeds the one-year ceiling.
  ttl_too_long,
  /// A delegation was asked of a token whose depth is 0.
  delegation_exhausted,
  /// A delegation was asked of a token without the DELEGATE scope.
  delegation_not_allowed,
  /// The signer is not the token's subject, or the token does not cover the action.
  not_authorized,
  /// A Noise handshake message failed (wrong PSK, wrong responder key, tampered message).
  handshake_failed,
  /// An AEAD open failed: the packet was corrupted or forged.
  decrypt_failed,
  /// A packet counter was already seen or fell out of the replay window.
  replayed,
  /// The stream's byte credit is below the size of what was offered (retry later).
  backpressure,
  /// No session with that peer (never connected, failed, or closed).
  not_connected,
  /// A deadline passed.
  timeout,
  /// A file or socket operation failed (the message carries the OS error).
  io_error,
  /// A configured limit was reached (stream cap, queue depth).
  limit_reached,
};

const boost::system::error_category& mesh_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), mesh_category()};
}

/// A failure: its code and a one-line reason naming the field, file or peer.
struct error {
  errc code{};
  std::string message;
  /// The reason, or the code's generic text when there is none.
  std::string what() const;
};

/// Lets result<T>::value() throw std::runtime_error(what()).
[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

template <class T>
using result = boost::system::result<T, error>;

/// Shorthand for returning a failure: `return fail(errc::truncated, "header: ...");`
inline error fail(errc code, std::string message) { return error{code, std::move(message)}; }

}  // namespace neuromesh::mesh

namespace boost::system {
template <>
struct is_error_code_enum<neuromesh::mesh::errc> : std::true_type {};
}  // namespace boost::system
