#include "neuromesh/synapse/errc.h"

#include <string>

namespace neuromesh::synapse {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "neuromesh.synapse"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::not_connected:
        return "synapse is not connected";
      case errc::closed:
        return "synapse is closed";
      case errc::timeout:
        return "no reply before the request timeout";
      case errc::unsupported_scheme:
        return "transport not supported in this build";
      case errc::bad_url:
        return "bad synapse URL";
      case errc::handshake_failed:
        return "broker did not complete the welcome handshake";
      case errc::backend_error:
        return "transport library error";
    }
    return "unknown synapse error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& synapse_category() noexcept {
  static const category c;
  return c;
}

}  // namespace neuromesh::synapse
