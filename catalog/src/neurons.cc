#include "neuromesh/catalog/neurons.h"

#include "neuromesh/registry/registry_store.h"

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

namespace neuromesh::catalog {

neuron_lister make_neuron_lister(std::shared_ptr<registry::registry_store> store) {
  return [store = std::move(store)](const std::optional<std::string>& capability,
                                    bool include_deregistered) -> std::optional<std::string> {
    registry::list_options opts;
    opts.capability = capability;
    opts.include_deregistered = include_deregistered;
    auto records = store->list(opts);
    if (!records) {
      spdlog::error("catalog /neurons: {}", records.error().message);
      return std::nullopt;
    }
    boost::json::array out;
    out.reserve(records->size());
    for (const auto& r : *records) out.push_back(r.to_dict());
    return boost::json::serialize(out);
  };
}

}  // namespace neuromesh::catalog
