#pragma once
// Forward declarations of the registry layer's public types.

namespace neuromesh::registry {

enum class errc;
struct neuron_record;
struct list_options;
struct store_error;
struct store_stats;
class registry_store;
class memory_store;
class sqlite_store;
struct sqlite_options;
class postgres_store;
struct postgres_options;
struct store_url;

}  // namespace neuromesh::registry
