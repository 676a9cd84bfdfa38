#include "neuromesh/runtime/errc.h"

#include <string>

namespace neuromesh::runtime {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "neuromesh.runtime"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::timeout:
        return "no matching signal before the deadline";
      case errc::pathway_closed:
        return "the pathway is closed and nothing is buffered";
      case errc::no_responder:
        return "no bid arrived before the offer deadline";
      case errc::cancelled:
        return "cancelled";
      case errc::not_running:
        return "the dendrite is not running";
      case errc::publish_failed:
        return "the synapse refused the publish";
    }
    return "unknown runtime error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& runtime_category() noexcept {
  static const category c;
  return c;
}

}  // namespace neuromesh::runtime
