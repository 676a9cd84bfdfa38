#pragma once
// Forward declarations of the synapse layer's public types.

namespace neuromesh::synapse {

class synapse;
class subscription;
class memory_synapse;
class cosmo_synapse;
class nats_synapse;
class broker_server;
struct synapse_stats;
struct broker_options;
enum class errc;

}  // namespace neuromesh::synapse
