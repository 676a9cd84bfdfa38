#include "neuromesh/bus/producer_nonce.h"

#include "durable_file.h"
#include "neuromesh/bus/errc.h"

#include <xxhash.h>

#include <unistd.h>

#include <chrono>
#include <functional>
#include <random>
#include <thread>

namespace neuromesh::bus {
namespace {

constexpr std::uint8_t file_version = 1;

}  // namespace

std::uint64_t fresh_producer_nonce() {
  struct {
    std::int64_t wall;
    std::int64_t mono;
    std::int64_t pid;
    std::uintptr_t stack;
    std::size_t thread;
    std::uint64_t random;
  } seed{};
  seed.wall = std::chrono::system_clock::now().time_since_epoch().count();
  seed.mono = std::chrono::steady_clock::now().time_since_epoch().count();
  seed.pid = ::getpid();
  seed.stack = reinterpret_cast<std::uintptr_t>(&seed);
  seed.thread = std::hash<std::thread::id>{}(std::this_thread::get_id());
  std::random_device rd;
  seed.random = (std::uint64_t{rd()} << 32) | rd();
  return XXH3_64bits(&seed, sizeof seed);
}

boost::system::result<void> store_producer_nonce(const std::string& path, std::uint64_t nonce) {
  char buf[9];
  buf[0] = static_cast<char>(file_version);
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>(nonce >> (8 * i));
  return detail::replace_file_durably(path, std::string_view(buf, sizeof buf));
}

boost::system::result<std::uint64_t> load_or_create_producer_nonce(const std::string& path) {
  auto bytes = detail::read_small_file(path, 9);
  if (!bytes) {
    if (bytes.error() != boost::system::errc::no_such_file_or_directory) return bytes.error();
    std::uint64_t nonce = fresh_producer_nonce();
    if (auto r = store_producer_nonce(path, nonce); !r) return r.error();
    return nonce;
  }
  const auto& buf = *bytes;
  if (buf.size() != 9 || static_cast<std::uint8_t>(buf[0]) != file_version) {
    return make_error_code(errc::decode_failed);
  }
  std::uint64_t nonce = 0;
  for (int i = 0; i < 8; ++i)
    nonce |= std::uint64_t{static_cast<std::uint8_t>(buf[1 + i])} << (8 * i);
  return nonce;
}

}  // namespace neuromesh::bus
