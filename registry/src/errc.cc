#include "neuromesh/registry/errc.h"

#include <string>

namespace neuromesh::registry {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "neuromesh.registry"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::bad_url:
        return "bad store URL";
      case errc::not_connected:
        return "store not connected";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::unavailable:
        return "store unavailable";
      case errc::read_only:
        return "store is read-only";
      case errc::corrupt:
        return "database file is corrupt or not a database";
      case errc::schema_too_new:
        return "database schema is newer than this build";
      case errc::busy:
        return "database stayed locked";
      case errc::bad_record:
        return "stored record cannot be decoded";
      case errc::backend_error:
        return "database error";
    }
    return "unknown registry error";
  }
};

}  // namespace

const boost::system::error_category& registry_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace neuromesh::registry
