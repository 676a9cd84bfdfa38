#pragma once
// Typed exceptions for the bus's error codes, for callers that would rather throw than test
// a result. Backpressure, Sampled and Unrouted are distinct types so a catch can tell a full
// ring from a sampled-out event from a routing failure.

#include "neuromesh/bus/errc.h"

#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>

#include <string>
#include <utility>

namespace neuromesh::bus {

/// Base of every bus exception; code() is a bus errc (or the adapter's own code).
class bus_error : public boost::system::system_error {
 public:
  using boost::system::system_error::system_error;
};
/// The ring was full (DropNewest, FailProducer).
class backpressure_error : public bus_error {
 public:
  using bus_error::bus_error;
};
/// Sample{rate} refused the event under overload.
class sampled_error : public bus_error {
 public:
  using bus_error::bus_error;
};
/// No shard could take the event.
class unrouted_error : public bus_error {
 public:
  using bus_error::bus_error;
};
/// The bus is shutting down.
class shutdown_error : public bus_error {
 public:
  using bus_error::bus_error;
};
/// An adapter failed (transient or fatal, see code()).
class adapter_error : public bus_error {
 public:
  using bus_error::bus_error;
};
/// A builder setting is invalid; what() names it.
class config_error : public bus_error {
 public:
  explicit config_error(const std::string& what) : bus_error(errc::invalid_config, what) {}
};

/// Throws the exception type matching ec.
[[noreturn]] void throw_bus_error(const boost::system::error_code& ec,
                                  const std::string& what = {});

/// r.value(), throwing the typed exception instead of a plain system_error.
template <class T>
T value_or_throw(boost::system::result<T> r) {
  if (!r) throw_bus_error(r.error());
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

}  // namespace neuromesh::bus
