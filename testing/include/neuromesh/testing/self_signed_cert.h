#pragma once
// A self-signed certificate and its key for localhost / 127.0.0.1 (usable as its own CA),
// made with the openssl CLI in a fresh temporary folder, removed on destruction. For the
// TLS tests of the broker (cosmos://), its CLI and the catalog server.

#include <filesystem>
#include <string_view>

namespace neuromesh::testing {

struct self_signed_cert {
  /// Throws std::runtime_error (naming the command) if openssl fails. tag names the folder.
  explicit self_signed_cert(std::string_view tag);
  ~self_signed_cert();
  self_signed_cert(const self_signed_cert&) = delete;
  self_signed_cert& operator=(const self_signed_cert&) = delete;

  std::filesystem::path dir, cert, key;
};

}  // namespace neuromesh::testing
