#include "neuromesh/testing/self_signed_cert.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace neuromesh::testing {

self_signed_cert::self_signed_cert(std::string_view tag) {
  static std::atomic<int> made{0};
  dir = std::filesystem::temp_directory_path() /
        (std::string(tag) + "-tls-" + std::to_string(::getpid()) + "-" + std::to_string(made++));
  std::filesystem::create_directories(dir);
  cert = dir / "cert.pem";
  key = dir / "key.pem";
  auto cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
      key.string() + " -out " + cert.string() + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::filesystem::remove_all(dir);
    throw std::runtime_error("openssl failed: " + cmd);
  }
}

self_signed_cert::~self_signed_cert() {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace neuromesh::testing
