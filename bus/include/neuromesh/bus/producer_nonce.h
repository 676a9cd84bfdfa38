#pragma once
// The producer nonce: the first field of every dedup id (reference/net-mesh.md §2.2).
//
// File format (producer_nonce_path), 9 bytes:
//   byte 0      version (1)
//   bytes 1..8  the nonce, u64 little-endian
// Written to "<path>.tmp", fsynced, renamed over <path> and the directory fsynced, so a crash
// leaves either no file or a whole one.

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>

namespace neuromesh::bus {

/// A new per-process nonce: xxh3 over wall clock, monotonic clock, pid, a stack address and
/// the thread id, plus std::random_device.
std::uint64_t fresh_producer_nonce();

/// Reads the nonce stored at path, or creates the file with a fresh one. Errors: the
/// filesystem's, or errc::decode_failed for a file of the wrong size or version.
boost::system::result<std::uint64_t> load_or_create_producer_nonce(const std::string& path);

/// Writes nonce to path atomically (tmp + fsync + rename).
boost::system::result<void> store_producer_nonce(const std::string& path, std::uint64_t nonce);

}  // namespace neuromesh::bus
