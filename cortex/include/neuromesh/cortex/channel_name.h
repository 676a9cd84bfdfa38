#pragma once
// A validated RedEX channel name, with Net's rules (reference/net-mesh.md §2.4, Net's
// channel/name.rs): hierarchical segments separated by '/', 1–255 bytes, only lowercase
// ASCII letters, digits, '-', '_', '.' and '/', no leading, trailing or doubled '/', and no
// segment equal to "." or "..". A disk-backed log lives in the directory <base>/<name>, so
// these rules are also what keeps a name inside its base directory.
//
//   auto n = channel_name::parse("orders/audit");        // ok
//   channel_name::problem("Orders")  // "uppercase character 'O' not allowed: ..."

#include <optional>
#include <string>
#include <string_view>

namespace neuromesh::cortex {

class channel_name {
 public:
  static constexpr std::size_t max_length = 255;

  /// The name, or throws redex_error(errc::invalid_channel_name) whose what() quotes the
  /// name and says which rule it breaks.
  static channel_name parse(std::string_view name);
  /// Why name is not valid, or nullopt when it is.
  static std::optional<std::string> problem(std::string_view name);

  const std::string& str() const noexcept { return name_; }
  friend bool operator==(const channel_name&, const channel_name&) = default;

 private:
  explicit channel_name(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

}  // namespace neuromesh::cortex
