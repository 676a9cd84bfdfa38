#pragma once
// Forward declarations of the catalog layer's public types.

namespace neuromesh::catalog {
struct instance_record;
class instance_store;
struct store_url;
struct request;
struct response;
struct service_options;
class catalog_service;
struct server_options;
class server;
struct client_options;
class catalog_client;
}  // namespace neuromesh::catalog
