#pragma once
// Forward declarations of the cortex layer's public types.

namespace neuromesh::cortex {

class channel_name;
struct index_record;
struct fsync_policy;
struct retention;
struct redex_file_config;
struct redex_event;
struct redex_stats;
class redex_tail;
class redex_file;
class redex;
struct task;
struct task_filter;
class tasks_adapter;
struct memory;
struct memory_filter;
class memories_adapter;
class netdb;
class netdb_builder;

}  // namespace neuromesh::cortex
