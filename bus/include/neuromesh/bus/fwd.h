#pragma once
// Forward declarations of the bus layer's public types.

namespace neuromesh::bus {

class raw_event;
struct event;
struct internal_event;
struct batch;
class adapter;
class memory_adapter;
class redis_adapter;
class jetstream_adapter;
class event_bus;
class net;
class net_builder;
class filter;
class subscription;
template <class T>
class typed_subscription;
class redis_stream_dedup;
struct bus_config;
struct bus_stats;
struct poll_request;
struct poll_response;
struct receipt;

}  // namespace neuromesh::bus
