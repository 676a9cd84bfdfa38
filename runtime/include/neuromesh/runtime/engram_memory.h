#pragma once
// InMemoryEngram: entries in maps, lost on close() or exit (reference §6.4). For tests, local
// development and ephemeral hosts. Text recall scans every entry (no index). op=delete evicts
// the row, as the reference does. Thread-safe: one mutex, held for the length of a call.

#include "neuromesh/runtime/engram.h"

#include <memory>

namespace neuromesh::runtime {

/// The reference's defaults: "engram-memory", kind "keyvalue".
engram_identity default_memory_identity();

class memory_engram final : public engram {
 public:
  explicit memory_engram(engram_identity identity = default_memory_identity());
  ~memory_engram() override;

  engram_result<void> connect() override;
  void close() noexcept override;
  engram_result<std::size_t> compensate(std::string_view trace_id) override;
  engram_result<void> commit(std::string_view trace_id) override;
  std::string_view backend() const noexcept override { return "memory"; }
  engram_stats stats() const noexcept override;

 protected:
  engram_result<recall_hits> do_recall(const recall_query& q) override;
  engram_result<imprint_receipt> do_imprint(const imprint_request& r) override;
  void count_rejected() noexcept override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace neuromesh::runtime
