#include "sequence_lease.h"

#include "durable_file.h"
#include "neuromesh/bus/errc.h"
#include "neuromesh/bus/producer_nonce.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <optional>

namespace neuromesh::bus::detail {
namespace {

constexpr std::uint8_t file_version = 1;
constexpr std::size_t header_size = 11;

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= std::uint64_t{static_cast<std::uint8_t>(in[at + static_cast<std::size_t>(i)])} << (8 * i);
  }
  return v;
}

struct lease_file {
  std::uint64_t nonce = 0;
  std::vector<std::uint64_t> next;
};

// nullopt when the file does not exist.
boost::system::result<std::optional<lease_file>> load(const std::string& path) {
  auto bytes = read_small_file(path, header_size + 8 * std::size_t{65535});
  if (!bytes) {
    if (bytes.error() == boost::system::errc::no_such_file_or_directory) {
      return std::optional<lease_file>();
    }
    return bytes.error();
  }
  std::string_view in = *bytes;
  if (in.size() < header_size || static_cast<std::uint8_t>(in[0]) != file_version) {
    return make_error_code(errc::decode_failed);
  }
  lease_file f;
  f.nonce = get_le(in, 1, 8);
  auto n = static_cast<std::size_t>(get_le(in, 9, 2));
  if (in.size() != header_size + 8 * n) return make_error_code(errc::decode_failed);
  for (std::size_t i = 0; i < n; ++i) f.next.push_back(get_le(in, header_size + 8 * i, 8));
  return std::optional<lease_file>(std::move(f));
}

}  // namespace

boost::system::result<std::unique_ptr<sequence_leases>> sequence_leases::open(
    const std::string& nonce_path, std::uint16_t shards) {
  std::error_code fs_ec;
  const bool nonce_existed = std::filesystem::exists(nonce_path, fs_ec);
  auto nonce = load_or_create_producer_nonce(nonce_path);
  if (!nonce) return nonce.error();
  const std::string path = path_for(nonce_path);
  auto file = load(path);
  if (!file) return file.error();
  std::vector<std::uint64_t> next;
  if (*file && (*file)->nonce == *nonce) {
    next = std::move((*file)->next);
  } else if (nonce_existed) {
    // The nonce may have been used with sequences nobody recorded: never reuse it.
    spdlog::info("bus: {} has no matching lease file; starting with a fresh producer nonce",
                 nonce_path);
    *nonce = fresh_producer_nonce();
    if (auto r = store_producer_nonce(nonce_path, *nonce); !r) return r.error();
  }
  // Entries of shards beyond today's count are kept for a later run with more shards.
  if (next.size() < shards) next.resize(shards, 0);
  std::unique_ptr<sequence_leases> leases(new sequence_leases(path, *nonce, std::move(next)));
  {
    std::lock_guard lk(leases->mu_);
    if (auto r = leases->store_locked(); !r) return r.error();
  }
  return leases;
}

std::uint64_t sequence_leases::start(std::uint16_t shard) const {
  std::lock_guard lk(mu_);
  return next_.at(shard);
}

boost::system::result<void> sequence_leases::extend(std::uint16_t shard, std::uint64_t end) {
  std::lock_guard lk(mu_);
  auto old = next_.at(shard);
  next_[shard] = std::max(old, end);
  auto r = store_locked();
  if (!r) next_[shard] = old;
  return r;
}

boost::system::result<void> sequence_leases::store_locked() const {
  std::string out;
  out.reserve(header_size + 8 * next_.size());
  out.push_back(static_cast<char>(file_version));
  put_le(out, nonce_, 8);
  put_le(out, next_.size(), 2);
  for (auto v : next_) put_le(out, v, 8);
  return replace_file_durably(path_, out);
}

}  // namespace neuromesh::bus::detail
