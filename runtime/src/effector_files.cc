#include "neuromesh/runtime/effector_files.h"

#include <boost/json/array.hpp>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace neuromesh::runtime {
namespace {

namespace fs = std::filesystem;
using boost::json::object;
using boost::json::value;

constexpr std::int64_t default_max_bytes = 64 * 1024;
constexpr std::int64_t limit_max_bytes = 1024 * 1024;

tool_outcome failed(std::string message) {
  tool_outcome out;
  out.error = std::move(message);
  return out;
}

// True when p equals root or lies below it (both canonical).
bool within(const fs::path& root, const fs::path& p) {
  auto r = root.begin();
  auto q = p.begin();
  for (; r != root.end(); ++r, ++q)
    if (q == p.end() || *r != *q) return false;
  return true;
}

// Valid UTF-8 text of bytes: invalid sequences become U+FFFD.
std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    int n = b0 < 0x80             ? 0
            : (b0 & 0xe0) == 0xc0 ? 1
            : (b0 & 0xf0) == 0xe0 ? 2
            : (b0 & 0xf8) == 0xf0 ? 3
                                  : -1;
    bool ok = n >= 0 && i + static_cast<std::size_t>(n) < s.size();
    unsigned cp = n == 0 ? b0 : n == 1 ? (b0 & 0x1fu) : n == 2 ? (b0 & 0x0fu) : (b0 & 0x07u);
    for (int k = 1; ok && k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xc0) != 0x80) ok = false;
      cp = (cp << 6) | (b & 0x3fu);
    }
    static constexpr unsigned min_for[] = {0, 0x80, 0x800, 0x10000};
    if (ok && (cp < min_for[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (!ok) {
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    out.append(s.substr(i, static_cast<std::size_t>(n) + 1));
    i += static_cast<std::size_t>(n) + 1;
  }
  return out;
}

// Cuts s at a character boundary no later than n bytes.
std::size_t utf8_cut(std::string_view s, std::size_t n) {
  if (n >= s.size()) return s.size();
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return n;
}

}  // namespace

files_effector::files_effector(fs::path root, std::string effector_id, std::string effector_kind)
    : effector({std::move(effector_id), std::move(effector_kind), {"read", "list", "stat"}, "1"}) {
  std::error_code ec;
  root_ = fs::canonical(root, ec);
  if (ec || !fs::is_directory(root_))
    throw std::invalid_argument("files effector: root '" + root.string() +
                                "' is not an existing folder");
}

tool_outcome files_effector::call(const tool_call& c) {
  const std::string& tool = c.tool;
  std::string rel;
  if (const auto* p = c.args.if_contains("path"); p != nullptr && !p->is_null()) {
    if (!p->is_string()) return failed(tool + ": args.path: expected a string");
    rel = std::string(p->get_string());
  } else if (tool != "list") {
    return failed(tool + ": args.path: required");
  }
  if (rel.find('\0') != std::string::npos) return failed(tool + ": args.path: contains NUL");
  const fs::path asked(rel);
  if (asked.is_absolute() || asked.has_root_name() || asked.has_root_directory())
    return failed(tool + ": path '" + rel + "' is absolute; paths are relative to the root folder");
  const fs::path normal = asked.lexically_normal();
  if (!normal.empty() && *normal.begin() == "..")
    return failed(tool + ": path '" + rel + "' leaves the root folder");
  std::error_code ec;
  const fs::path target = fs::canonical(root_ / normal, ec);
  if (ec) return failed(tool + ": no such file or folder: '" + rel + "'");
  if (!within(root_, target))
    return failed(tool + ": path '" + rel + "' leaves the root folder (through a link)");
  const std::string shown_path = fs::relative(target, root_).generic_string();

  const auto status = fs::status(target, ec);
  if (ec) return failed(tool + ": cannot read '" + rel + "': " + ec.message());
  const bool is_dir = fs::is_directory(status);
  auto type_name = [](const fs::file_status& s) {
    return fs::is_directory(s) ? "dir" : fs::is_regular_file(s) ? "file" : "other";
  };

  if (tool == "stat") {
    object out{{"path", shown_path}, {"type", type_name(status)}};
    if (fs::is_regular_file(status))
      out["size"] = static_cast<std::int64_t>(fs::file_size(target, ec));
    tool_outcome o;
    o.result = std::move(out);
    return o;
  }
  if (tool == "list") {
    if (!is_dir) return failed("list: '" + rel + "' is not a folder");
    std::vector<std::pair<std::string, object>> items;
    for (const auto& de : fs::directory_iterator(target, ec)) {
      const auto st = de.symlink_status(ec);
      object item{{"name", de.path().filename().string()},
                  {"type", fs::is_symlink(st) ? "link" : type_name(st)}};
      if (fs::is_regular_file(st)) item["size"] = static_cast<std::int64_t>(de.file_size(ec));
      items.emplace_back(de.path().filename().string(), std::move(item));
    }
    if (ec) return failed("list: cannot read '" + rel + "': " + ec.message());
    std::sort(items.begin(), items.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    boost::json::array entries;
    for (auto& [name, item] : items) entries.emplace_back(std::move(item));
    tool_outcome o;
    o.result = object{{"path", shown_path}, {"entries", std::move(entries)}};
    return o;
  }
  if (tool == "read") {
    if (is_dir) return failed("read: '" + rel + "' is a folder; use list");
    if (!fs::is_regular_file(status)) return failed("read: '" + rel + "' is not a regular file");
    std::int64_t max_bytes = default_max_bytes;
    if (const auto* m = c.args.if_contains("max_bytes"); m != nullptr && !m->is_null()) {
      if (!m->is_int64() || m->get_int64() < 1 || m->get_int64() > limit_max_bytes)
        return failed("read: args.max_bytes: expected an integer from 1 to " +
                      std::to_string(limit_max_bytes));
      max_bytes = m->get_int64();
    }
    std::ifstream in(target, std::ios::binary);
    if (!in) return failed("read: cannot open '" + rel + "'");
    std::string data(static_cast<std::size_t>(max_bytes) + 1, '\0');
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    data.resize(static_cast<std::size_t>(in.gcount()));
    const bool truncated = data.size() > static_cast<std::size_t>(max_bytes);
    if (truncated) data.resize(utf8_cut(data, static_cast<std::size_t>(max_bytes)));
    tool_outcome o;
    o.result = object{{"path", shown_path},
                      {"size", static_cast<std::int64_t>(fs::file_size(target, ec))},
                      {"content", sanitize_utf8(data)},
                      {"truncated", truncated}};
    return o;
  }
  return failed("unknown tool '" + tool + "'");
}

}  // namespace neuromesh::runtime
