#include "neuromesh/cortex/channel_name.h"

#include "neuromesh/cortex/errc.h"

#include <fmt/format.h>

namespace neuromesh::cortex {

std::optional<std::string> channel_name::problem(std::string_view name) {
  if (name.empty()) return "channel name is empty";
  if (name.size() > max_length)
    return fmt::format("channel name is {} bytes; at most {} allowed", name.size(), max_length);
  if (name.front() == '/' || name.back() == '/')
    return "channel name must not start or end with '/'";
  if (name.find("//") != std::string_view::npos) return "channel name must not contain '//'";
  for (char c : name) {
    if (c >= 'A' && c <= 'Z')
      return fmt::format("uppercase character '{}' not allowed: channel names are lowercase", c);
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == '/';
    if (!ok) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f)
        return fmt::format("byte 0x{:02x} not allowed: use a-z 0-9 - _ . /", u);
      return fmt::format("character '{}' not allowed: use a-z 0-9 - _ . /", c);
    }
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    auto end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    auto seg = name.substr(start, end - start);
    if (seg == "." || seg == "..") return fmt::format("segment \"{}\" is reserved", seg);
    start = end + 1;
  }
  return std::nullopt;
}

channel_name channel_name::parse(std::string_view name) {
  if (auto why = problem(name))
    throw redex_error(errc::invalid_channel_name,
                      fmt::format("invalid channel name \"{}\": {}", name, *why));
  return channel_name(std::string(name));
}

}  // namespace neuromesh::cortex
