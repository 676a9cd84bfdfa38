#pragma once
// Event → shard routing. A payload routes by its cached xxh3 hash, a partition key by the
// hash of the key (so an entity's events stay on one shard and in order). The reduction is
// Lemire's multiply-shift, which needs no division and no power-of-two shard count.

#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace neuromesh::bus::detail {

class shard_map {
 public:
  explicit shard_map(std::uint16_t shards) noexcept : shards_(shards) {}

  std::uint16_t for_hash(std::uint64_t hash) const noexcept {
    return static_cast<std::uint16_t>((static_cast<unsigned __int128>(hash) * shards_) >> 64);
  }
  std::uint16_t for_key(std::string_view key) const noexcept {
    return for_hash(XXH3_64bits(key.data(), key.size()));
  }
  std::uint16_t size() const noexcept { return shards_; }

 private:
  std::uint16_t shards_;
};

}  // namespace neuromesh::bus::detail
