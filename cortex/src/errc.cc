#include "neuromesh/cortex/errc.h"

#include <string>

namespace neuromesh::cortex {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "neuromesh.cortex"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_channel_name:
        return "invalid channel name";
      case errc::closed:
        return "log is closed";
      case errc::io_error:
        return "disk I/O failed";
      case errc::log_full:
        return "data file reached 4 GiB";
      case errc::corrupt:
        return "log is corrupt before its tail";
      case errc::decode_failed:
        return "record could not be decoded";
      case errc::unknown_seq:
        return "sequence number not retained";
      case errc::not_found:
        return "no such id";
      case errc::timeout:
        return "deadline passed";
      case errc::invalid_config:
        return "invalid configuration";
      case errc::config_mismatch:
        return "log already open with another configuration";
    }
    return "unknown neuromesh.cortex error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& cortex_category() noexcept {
  static const category c;
  return c;
}

}  // namespace neuromesh::cortex
