#pragma once
// Replaces a small file so that a crash at any point leaves either the old or the new
// content: write "<path>.tmp", fsync it, rename it over path, fsync the directory. Used by
// the producer nonce and the sequence leases.

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace neuromesh::bus::detail {

boost::system::result<void> replace_file_durably(const std::string& path, std::string_view bytes);

/// The whole file (at most max_bytes + 1 bytes are read, so an oversized file is seen as
/// such); errc::decode_failed never, the caller checks the content.
boost::system::result<std::string> read_small_file(const std::string& path, std::size_t max_bytes);

}  // namespace neuromesh::bus::detail
