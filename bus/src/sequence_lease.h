#pragma once
// Per-shard sequence blocks leased on disk, so a restarted producer never reuses a dedup id
// (issue 17: before, sequences restarted at 0 under a persisted nonce and JetStream dropped a
// restarted producer's new events as duplicates of the old ones).
//
// File "<producer_nonce_path>.seq", rewritten whole (tmp + fsync + rename + directory fsync):
//   byte 0        version (1)
//   bytes 1..8    the producer nonce it belongs to, u64 little-endian
//   bytes 9..10   entry count n, u16 little-endian
//   n × 8 bytes   per shard, u64 little-endian: where its next block starts; every sequence
//                 below it may have been used by an earlier process
// A worker persists "my next block starts at S" before it uses any sequence below S, so after
// a crash at any point the file is at or above everything sent. A restart continues at S.
//
// A nonce file without a matching lease file (deleted, or written by a version that did not
// lease) may have been used with any sequence, so open() replaces that nonce with a fresh
// one instead of guessing.
//
// Thread-safety: extend() may be called from every shard worker; one mutex serialises writes.

#include <boost/system/result.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace neuromesh::bus::detail {

class sequence_leases {
 public:
  /// Sequences leased per write (one fsync per block per shard).
  static constexpr std::uint64_t block = std::uint64_t{1} << 20;

  /// Loads (or creates) the nonce at nonce_path and its lease file. Errors: the filesystem's,
  /// or errc::decode_failed for a damaged nonce or lease file.
  static boost::system::result<std::unique_ptr<sequence_leases>> open(const std::string& nonce_path,
                                                                      std::uint16_t shards);

  std::uint64_t nonce() const noexcept { return nonce_; }
  /// The first sequence this process may use on shard (after a successful extend()).
  std::uint64_t start(std::uint16_t shard) const;
  /// Persists "shard's next block starts at end" before returning; end must not be below the
  /// current value.
  boost::system::result<void> extend(std::uint16_t shard, std::uint64_t end);

  /// The lease file that belongs to a nonce file.
  static std::string path_for(const std::string& nonce_path) { return nonce_path + ".seq"; }

 private:
  sequence_leases(std::string path, std::uint64_t nonce, std::vector<std::uint64_t> next)
      : path_(std::move(path)), nonce_(nonce), next_(std::move(next)) {}
  boost::system::result<void> store_locked() const;

  std::string path_;
  std::uint64_t nonce_;
  mutable std::mutex mu_;
  std::vector<std::uint64_t> next_;
};

}  // namespace neuromesh::bus::detail
