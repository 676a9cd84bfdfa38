#include "neuromesh/bus/producer_nonce.h"

#include "neuromesh/bus/errc.h"

#include <xxhash.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <random>
#include <thread>

namespace neuromesh::bus {
namespace {

constexpr std::uint8_t file_version = 1;

boost::system::error_code last_errno() { return {errno, boost::system::system_category()}; }

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
  unsigned char buf[9];
  buf[0] = file_version;
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<unsigned char>(nonce >> (8 * i));
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return last_errno();
  bool ok = ::write(fd, buf, sizeof buf) == static_cast<ssize_t>(sizeof buf) && ::fsync(fd) == 0;
  auto ec = ok ? boost::system::error_code{} : last_errno();
  ::close(fd);
  if (!ok) return ec;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return last_errno();
  // Make the rename itself durable.
  auto dir = std::filesystem::path(path).parent_path();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

boost::system::result<std::uint64_t> load_or_create_producer_nonce(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) return last_errno();
    std::uint64_t nonce = fresh_producer_nonce();
    if (auto r = store_producer_nonce(path, nonce); !r) return r.error();
    return nonce;
  }
  unsigned char buf[10];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n != 9 || buf[0] != file_version) return make_error_code(errc::decode_failed);
  std::uint64_t nonce = 0;
  for (int i = 0; i < 8; ++i) nonce |= std::uint64_t{buf[1 + i]} << (8 * i);
  return nonce;
}

}  // namespace neuromesh::bus
