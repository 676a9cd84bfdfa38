#include "neuromesh/bus/errc.h"

#include "neuromesh/bus/error.h"

#include <string>

namespace neuromesh::bus {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "neuromesh.bus"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::backpressure:
        return "ring full: event refused (backpressure)";
      case errc::sampled:
        return "ring full: event not sampled (1 in rate kept)";
      case errc::unrouted:
        return "no shard can take the event";
      case errc::shutting_down:
        return "bus is shutting down";
      case errc::timeout:
        return "deadline passed";
      case errc::adapter_transient:
        return "adapter failed transiently (retryable)";
      case errc::adapter_fatal:
        return "adapter failed (not retryable)";
      case errc::invalid_cursor:
        return "poll cursor is not valid for this bus";
      case errc::invalid_filter:
        return "filter document is malformed";
      case errc::decode_failed:
        return "event payload could not be decoded";
      case errc::closed:
        return "subscription closed";
      case errc::invalid_config:
        return "invalid bus configuration";
    }
    return "unknown neuromesh.bus error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& bus_category() noexcept {
  static const category c;
  return c;
}

bool is_transient(const boost::system::error_code& ec) noexcept {
  return ec == errc::adapter_transient || ec == errc::timeout;
}

void throw_bus_error(const boost::system::error_code& ec, const std::string& what) {
  if (ec.category() == bus_category()) {
    switch (static_cast<errc>(ec.value())) {
      case errc::backpressure:
        throw backpressure_error(ec, what);
      case errc::sampled:
        throw sampled_error(ec, what);
      case errc::unrouted:
        throw unrouted_error(ec, what);
      case errc::shutting_down:
        throw shutdown_error(ec, what);
      case errc::adapter_transient:
      case errc::adapter_fatal:
        throw adapter_error(ec, what);
      case errc::invalid_config:
        throw config_error(what.empty() ? ec.message() : what);
      default:
        break;
    }
  }
  throw bus_error(ec, what);
}

}  // namespace neuromesh::bus
