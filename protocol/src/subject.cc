#include "neuromesh/protocol/subject.h"

#include <algorithm>

namespace neuromesh::protocol {
namespace {

constexpr std::string_view root = "cosmonapse.";

// Next dot-separated token of s starting at pos (Python str.split('.') semantics: empty
// tokens count); pos becomes npos after the last one.
std::string_view next_token(std::string_view s, std::size_t& pos) noexcept {
  std::size_t dot = s.find('.', pos);
  std::string_view tok =
      s.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
  pos = dot == std::string_view::npos ? std::string_view::npos : dot + 1;
  return tok;
}

}  // namespace

std::string subject_for(std::string_view ns, signal_type t) {
  std::string_view type = to_string(t);
  std::string out;
  out.reserve(root.size() + ns.size() + 1 + type.size() + 7);
  out.append(root).append(ns).push_back('.');
  out.append(type);
  return out;
}

std::string subject_for(std::string_view ns, const signal& s) {
  std::string out = subject_for(ns, s.type);
  if (s.type == signal_type::task) {
    bool addressed = s.directed && s.directed->id && !s.directed->id->empty();
    if (!addressed && s.payload.truthy("capabilities")) out.append(".routed");
  }
  return out;
}

std::string namespace_wildcard(std::string_view ns) {
  std::string out(root);
  out.append(ns).append(".>");
  return out;
}

// The reference matcher (MemorySynapse / dev broker): equal strings match; otherwise walk the
// tokens pairwise: `>` matches the rest (at least one token), `*` any one token, a literal
// itself; both sides must be used up.
bool subject_matches(std::string_view pattern, std::string_view subject) noexcept {
  if (pattern == subject) return true;
  std::size_t pp = 0, sp = 0;
  while (pp != std::string_view::npos) {
    std::string_view p = next_token(pattern, pp);
    if (sp == std::string_view::npos) return false;  // subject exhausted first
    std::string_view s = next_token(subject, sp);
    if (p == ">") return true;
    if (p != "*" && p != s) return false;
  }
  return sp == std::string_view::npos;
}

std::string queue_group_for(std::span<const std::string> capabilities) {
  std::vector<std::string_view> caps(capabilities.begin(), capabilities.end());
  std::sort(caps.begin(), caps.end());
  caps.erase(std::unique(caps.begin(), caps.end()), caps.end());
  std::string out = "caps:";
  for (std::size_t i = 0; i < caps.size(); ++i) {
    if (i) out.push_back(',');
    out.append(caps[i]);
  }
  return out;
}

}  // namespace neuromesh::protocol
