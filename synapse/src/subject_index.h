#pragma once
// The routing table of the cosmo:// broker and of memory_synapse: subscriptions in a token
// trie (NATS wildcards: `*` one token, `>` the rest, at least one token), and a cache of
// match results per published subject, as nats-server's sublist keeps. Matching agrees
// with protocol::subject_matches exactly (equal strings match; a `>` ends the pattern
// wherever it stands; empty tokens count).
//
// An entry is (key, group, data): results list entries in ascending key (the caller encodes
// its delivery order in the key), solo entries (group 0) first, then one member list per
// queue group in the order the groups first appear. data is the caller's pointer, handed
// back untouched.
//
// Cost: match() of a cached subject is one hash lookup and allocates nothing; a miss walks
// the trie (allocating the cached result). insert/erase invalidate only the cached
// subjects the pattern matches. Not thread-safe: the owner serialises (strand or mutex).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace neuromesh::synapse::detail {

class subject_index {
 public:
  struct entry {
    std::uint64_t key = 0;
    std::uint32_t group = 0;  // 0 = solo; else the caller's interned queue-group id
    const void* data = nullptr;
  };
  struct group_members {
    std::uint32_t group = 0;
    std::vector<entry> members;  // ascending key
  };
  struct result {
    std::vector<entry> solo;            // ascending key
    std::vector<group_members> groups;  // by each group's smallest key
  };

  subject_index();
  ~subject_index();
  subject_index(const subject_index&) = delete;
  subject_index& operator=(const subject_index&) = delete;

  void insert(std::string_view pattern, entry e);
  /// Removes the entry with this key under this pattern; false if there was none.
  bool erase(std::string_view pattern, std::uint64_t key);
  /// Valid until the next insert, erase or match.
  const result& match(std::string_view subject);

  std::size_t size() const noexcept { return size_; }
  std::size_t cache_size() const noexcept { return cache_.size(); }
  static constexpr std::size_t max_cache = 4096;

 private:
  struct node;
  struct level;
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using cache_map = std::unordered_map<std::string, result, hash, std::equal_to<>>;

  void collect(const level& l, std::size_t i);
  void invalidate(std::string_view pattern);

  std::unique_ptr<level> root_;
  std::size_t size_ = 0;
  cache_map cache_;
  std::vector<std::string_view> tokens_;  // scratch
  std::vector<entry> found_;              // scratch
};

}  // namespace neuromesh::synapse::detail
