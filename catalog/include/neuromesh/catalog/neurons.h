#pragma once
// GET /neurons: the Cosmonapse NeuronRecords of the registry layer's store, so the HTTP
// catalog and the Signal registry are one view of the same database.

#include "neuromesh/catalog/service.h"

#include <memory>

namespace neuromesh::registry {
class registry_store;
}

namespace neuromesh::catalog {

/// A neuron_lister over store: a JSON array of to_dict() records (reference §7.1 shape),
/// filtered by capability and include_deregistered as registry_store::list does. Returns
/// nullopt (the route answers 503) when the store fails.
neuron_lister make_neuron_lister(std::shared_ptr<registry::registry_store> store);

}  // namespace neuromesh::catalog
