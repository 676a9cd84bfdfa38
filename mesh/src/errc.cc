#include "neuromesh/mesh/errc.h"

#include <stdexcept>

namespace neuromesh::mesh {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "neuromesh.mesh"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::truncated:
        return "input truncated";
      case errc::bad_magic:
        return "bad magic";
      case errc::bad_version:
        return "unsupported version";
      case errc::bad_length:
        return "bad length";
      case errc::bad_field:
        return "bad field value";
      case errc::invalid_signature:
        return "signature does not verify";
      case errc::expired:
        return "token expired";
      case errc::not_yet_valid:
        return "token not yet valid";
      case errc::zero_ttl:
        return "zero TTL";
      case errc::ttl_too_long:
        return "TTL exceeds the ceiling";
      case errc::delegation_exhausted:
        return "delegation depth exhausted";
      case errc::delegation_not_allowed:
        return "token lacks the DELEGATE scope";
      case errc::not_authorized:
        return "not authorized";
      case errc::handshake_failed:
        return "handshake failed";
      case errc::decrypt_failed:
        return "decryption failed";
      case errc::replayed:
        return "replayed packet";
      case errc::backpressure:
        return "stream out of credit (backpressure)";
      case errc::not_connected:
        return "peer not connected";
      case errc::timeout:
        return "deadline passed";
      case errc::io_error:
        return "I/O error";
      case errc::limit_reached:
        return "limit reached";
    }
    return "unknown neuromesh.mesh error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& mesh_category() noexcept {
  static const category c;
  return c;
}

std::string error::what() const {
  return message.empty() ? mesh_category().message(static_cast<int>(code)) : message;
}

void throw_exception_from_error(const error& e, const boost::source_location&) {
  throw std::runtime_error(e.what());
}

}  // namespace neuromesh::mesh
