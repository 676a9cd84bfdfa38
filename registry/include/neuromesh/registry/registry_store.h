#pragma once
// RegistryStore: the one persistent surface of the SDK (reference §7.2) — a live view of
// every Neuron seen on a namespace, keyed by neuron_id. Backends: memory_store.h,
// sqlite_store.h, postgres_store.h; store_url.h opens one from a URL.
//
// Semantics every backend passes (tests/registry_store_conformance.cc):
// - upsert(r): insert or replace by neuron_id; replaces capabilities, version, status and
//   last_heartbeat; keeps the original registered_at when the record already existed.
// - mark_deregistered(id): status := "deregistered"; a no-op for an unknown id.
// - touch_heartbeat(id, ts, status): last_heartbeat := ts (and status when given); an
//   unknown id gets a thin record (no capabilities, status = given or "registered",
//   registered_at = now).
// - get(id): the record or nullopt.
// - list(options): every record except status "deregistered" (unless include_deregistered),
//   only those holding options.capability when set; sorted by neuron_id.
//
// The calls are synchronous and block on I/O (SQLite file, PostgreSQL round trip); a caller
// on an event loop runs them on a thread pool. Every backend is safe to call from many
// threads at once. Expected failures come back as store_error values, never exceptions.

#include "neuromesh/registry/errc.h"
#include "neuromesh/registry/neuron_record.h"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::registry {

/// A failure with its cause spelled out, e.g. {errc::read_only, "sqlite:/x.db: ... read-only"}.
struct store_error {
  boost::system::error_code code;
  std::string message;
};

/// Thrown only by result::value() on an error (callers that prefer exceptions).
class store_exception : public std::runtime_error {
 public:
  explicit store_exception(const store_error& e) : std::runtime_error(e.message), code_(e.code) {}
  boost::system::error_code code() const noexcept { return code_; }

 private:
  boost::system::error_code code_;
};

[[noreturn]] void throw_exception_from_error(const store_error& e,
                                             const boost::source_location& loc);

template <class T>
using store_result = boost::system::result<T, store_error>;

/// Filter of registry_store::list.
struct list_options {
  std::optional<std::string> capability;  ///< only records holding this capability
  bool include_deregistered = false;      ///< also records with status "deregistered"
};

/// Counters of what a store retried or rejected (for /metrics).
struct store_stats {
  std::uint64_t busy_retries = 0;  ///< lock contention retried (SQLite BUSY)
  std::uint64_t reconnects = 0;    ///< broken connections replaced (PostgreSQL)
  std::uint64_t rejected = 0;      ///< calls refused for bad input or not connected
  std::uint64_t failures = 0;      ///< calls that returned any other error
};

class registry_store {
 public:
  virtual ~registry_store() = default;

  /// Opens resources and creates or migrates the schema. Idempotent.
  virtual store_result<void> connect() = 0;
  /// Releases resources (memory_store also forgets every record, as the reference does).
  /// Idempotent; further calls return errc::not_connected until connect().
  virtual void close() noexcept = 0;

  /// "memory", "sqlite" or "postgres".
  virtual std::string_view backend() const noexcept = 0;
  virtual store_stats stats() const noexcept = 0;

  store_result<void> upsert(const neuron_record& record);
  store_result<void> mark_deregistered(std::string_view neuron_id);
  store_result<void> touch_heartbeat(std::string_view neuron_id, time_point ts,
                                     std::optional<std::string_view> status = std::nullopt);
  store_result<std::optional<neuron_record>> get(std::string_view neuron_id);
  store_result<std::vector<neuron_record>> list(const list_options& options = {});

 protected:
  // Called with arguments already validated (non-empty neuron_id).
  virtual store_result<void> do_upsert(const neuron_record& record) = 0;
  virtual store_result<void> do_mark_deregistered(std::string_view neuron_id) = 0;
  virtual store_result<void> do_touch_heartbeat(std::string_view neuron_id, time_point ts,
                                                std::optional<std::string_view> status) = 0;
  virtual store_result<std::optional<neuron_record>> do_get(std::string_view neuron_id) = 0;
  virtual store_result<std::vector<neuron_record>> do_list(const list_options& options) = 0;
  /// Counts a rejected call (bad input); backends count their own retries and failures.
  virtual void count_rejected() noexcept = 0;
};

}  // namespace neuromesh::registry
