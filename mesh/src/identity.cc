#include "neuromesh/mesh/identity.h"

#include "blake2s.h"
#include "le.h"
#include "sodium_init.h"

#include <fmt/format.h>
#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace neuromesh::mesh {

namespace detail {
void ensure_sodium() {
  static const int ok = sodium_init();
  if (ok < 0) std::abort();
}
}  // namespace detail

namespace {
std::uint64_t derive(const public_key& pk, std::string_view label) {
  auto h = detail::blake2s_mac(as_bytes(label), pk);
  return detail::load_le<std::uint64_t>(h.data());
}
}  // namespace

std::uint64_t node_id_of(const public_key& pk) { return derive(pk, "net-node-id-v1"); }
std::uint64_t origin_hash_of(const public_key& pk) { return derive(pk, "net-origin-v1"); }

bool verify_signature(const public_key& pk, byte_view message, const signature& sig) {
  detail::ensure_sodium();
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), pk.data()) == 0;
}

result<public_key> x25519_public_of(const public_key& pk) {
  detail::ensure_sodium();
  public_key out;
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), pk.data()) != 0)
    return fail(errc::bad_field, "public key: not a valid ed25519 point");
  return out;
}

identity identity::generate() {
  detail::ensure_sodium();
  seed_bytes s;
  randombytes_buf(s.data(), s.size());
  auto id = from_seed(s);
  sodium_memzero(s.data(), s.size());
  return id;
}

identity identity::from_seed(const seed_bytes& seed) {
  detail::ensure_sodium();
  identity id;
  id.seed_ = seed;
  crypto_sign_seed_keypair(id.public_.data(), id.secret_.data(), seed.data());
  id.node_id_ = node_id_of(id.public_);
  id.origin_hash_ = origin_hash_of(id.public_);
  return id;
}

identity::~identity() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(secret_.data(), secret_.size());
}

result<identity> identity::load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(errc::io_error, fmt::format("identity {}: {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return fail(errc::io_error, fmt::format("identity {}: {}", path, std::strerror(e)));
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    ::close(fd);
    return fail(errc::io_error,
                fmt::format("identity {}: mode {:04o} lets group or others read the seed; "
                            "chmod 600 it",
                            path, st.st_mode & 07777));
  }
  char buf[130];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n < 0) return fail(errc::io_error, fmt::format("identity {}: read failed", path));
  std::string_view text(buf, static_cast<std::size_t>(n));
  seed_bytes seed{};
  if (text.size() == 32) {
    std::memcpy(seed.data(), text.data(), 32);
  } else {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
      text.remove_suffix(1);
    if (text.size() != 64)
      return fail(errc::bad_length,
                  fmt::format("identity {}: expected 32 raw bytes or 64 hex digits, got {} bytes",
                              path, n));
    auto b = from_hex(text);
    if (!b) return fail(errc::bad_field, fmt::format("identity {}: not hex", path));
    std::memcpy(seed.data(), b->data(), 32);
    sodium_memzero(b->data(), b->size());
  }
  sodium_memzero(buf, sizeof buf);
  auto id = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return id;
}

result<void> identity::save(const std::string& path) const {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(errc::io_error, fmt::format("identity {}: {}", path, std::strerror(errno)));
  // An existing file keeps its mode through O_CREAT; force 0600 before the seed lands.
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, seed_.data(), seed_.size()) == static_cast<ssize_t>(seed_.size());
  int e = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok) return fail(errc::io_error, fmt::format("identity {}: {}", path, std::strerror(e)));
  return {};
}

signature identity::sign(byte_view message) const {
  signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_.data());
  return sig;
}

std::array<std::uint8_t, 32> identity::x25519_secret() const {
  std::array<std::uint8_t, 32> out;
  crypto_sign_ed25519_sk_to_curve25519(out.data(), secret_.data());
  return out;
}

public_key identity::x25519_public() const {
  // Our own public key is a valid point, so the conversion cannot fail.
  return x25519_public_of(public_).value();
}

}  // namespace neuromesh::mesh
