#pragma once
// NetDb: the tasks and memories models over one RedEX manager, with one snapshot covering
// both (Net's NetDb). Each model folds its own channel ("cortex/tasks", "cortex/memories").
//
//   redex logs("/var/lib/neuromesh/cortex");
//   auto db = netdb::builder(logs).origin(0xABCDEF01).persistent(true)
//                 .with_tasks().with_memories().build();
//   auto seq = db.tasks().create(1, "write docs");
//   std::string bundle = db.snapshot();                          // bytes, any model set
//   auto copy = netdb::builder(other).with_tasks().with_memories().build_from_snapshot(bundle);
//
// Restart: a persistent NetDb re-folds its disk logs from seq 0, rebuilding the same state.
// build_from_snapshot restores each model's state and folds on from the snapshot's position;
// when the log is shorter than that position (a fresh manager), the snapshot stands for the
// log's current end and folding continues from there.
//
// Bundle layout: "NMDB" u32 LE version (1), then per model a u8 kind (1 tasks, 2 memories),
// a u32 LE length and that model's state section (see state_codec.h). build_from_snapshot
// throws redex_error(errc::decode_failed) naming the field when the bundle is malformed,
// and errc::invalid_config when it lacks a model the builder enables.
//
// Thread-safety: as the adapters. The NetDb owns the adapters; the manager must outlive it.

#include "neuromesh/cortex/memories.h"
#include "neuromesh/cortex/redex.h"
#include "neuromesh/cortex/tasks.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace neuromesh::cortex {

class netdb;

class netdb_builder {
 public:
  explicit netdb_builder(redex& logs) : logs_(&logs) {}
  /// Producer identity stamped on every event this NetDb writes.
  netdb_builder& origin(std::uint64_t o) {
    origin_ = o;
    return *this;
  }
  /// Keep the model logs on disk (the manager needs a directory).
  netdb_builder& persistent(bool p) {
    persistent_ = p;
    return *this;
  }
  netdb_builder& fsync(fsync_policy p) {
    fsync_ = p;
    return *this;
  }
  netdb_builder& with_tasks() {
    tasks_ = true;
    return *this;
  }
  netdb_builder& with_memories() {
    memories_ = true;
    return *this;
  }
  /// Opens the logs and folds them; throws redex_error (see redex::open_file).
  netdb build() const;
  netdb build_from_snapshot(std::string_view bundle) const;

 private:
  redex_file_config file_config() const;
  redex* logs_;
  std::uint64_t origin_ = 0;
  bool persistent_ = false;
  fsync_policy fsync_;
  bool tasks_ = false;
  bool memories_ = false;
};

class netdb {
 public:
  static netdb_builder builder(redex& logs) { return netdb_builder(logs); }
  static constexpr const char* tasks_channel = "cortex/tasks";
  static constexpr const char* memories_channel = "cortex/memories";

  netdb(netdb&&) noexcept;
  netdb& operator=(netdb&&) noexcept;
  ~netdb();

  bool has_tasks() const noexcept { return tasks_ != nullptr; }
  bool has_memories() const noexcept { return memories_ != nullptr; }
  /// Throws redex_error(errc::invalid_config) when the model was not enabled.
  tasks_adapter& tasks() const;
  memories_adapter& memories() const;

  /// Every enabled model's state and fold position, as one bundle.
  std::string snapshot() const;

 private:
  friend class netdb_builder;
  netdb() = default;
  std::unique_ptr<tasks_adapter> tasks_;
  std::unique_ptr<memories_adapter> memories_;
};

}  // namespace neuromesh::cortex
