// TEMPORARY until the protocol layer's subject.cc is merged into main: the reference matcher
// (reference/cosmonapse.md §3.2). Delete this file at the merge; there must be one matcher.
#include "neuromesh/protocol/subject.h"

namespace neuromesh::protocol {

bool subject_matches(std::string_view pattern, std::string_view subject) noexcept {
  if (pattern == subject) return true;
  while (!pattern.empty() || !subject.empty()) {
    if (pattern.empty() || subject.empty()) return false;
    auto pd = pattern.find('.');
    auto sd = subject.find('.');
    std::string_view p = pattern.substr(0, pd);
    std::string_view s = subject.substr(0, sd);
    if (p == ">") return true;
    if (p != "*" && p != s) return false;
    pattern = pd == std::string_view::npos ? std::string_view() : pattern.substr(pd + 1);
    subject = sd == std::string_view::npos ? std::string_view() : subject.substr(sd + 1);
    if ((pd == std::string_view::npos) != (sd == std::string_view::npos)) return false;
  }
  return true;
}

}  // namespace neuromesh::protocol
