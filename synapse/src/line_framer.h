#pragma once
// Splits a byte stream into '\n'-terminated lines with a length limit (sans-I/O; used by the
// broker server and the cosmo:// client). An oversized line is reported once and skipped up
// to its newline, so the stream stays usable: the reference instead dropped the connection
// at ~64 KiB (reference/cosmonapse.md §1.8, §11).

#include <cstddef>
#include <string>
#include <string_view>

namespace neuromesh::synapse::detail {

class line_framer {
 public:
  explicit line_framer(std::size_t max_line_bytes) : max_(max_line_bytes) {}

  /// Feeds a chunk. on_line(std::string_view) gets every complete line without its '\n';
  /// on_too_long() is called once for each line longer than the limit. The view passed to
  /// on_line is valid only during the call.
  template <class OnLine, class OnTooLong>
  void feed(std::string_view data, OnLine&& on_line, OnTooLong&& on_too_long) {
    while (!data.empty()) {
      auto nl = data.find('\n');
      if (discarding_) {
        if (nl == std::string_view::npos) return;
        discarding_ = false;
        data.remove_prefix(nl + 1);
        continue;
      }
      if (nl == std::string_view::npos) {
        if (buffer_.size() + data.size() > max_) {
          buffer_.clear();
          discarding_ = true;
          on_too_long();
          return;
        }
        buffer_.append(data);
        return;
      }
      if (buffer_.size() + nl > max_) {
        buffer_.clear();
        on_too_long();
      } else if (buffer_.empty()) {
        on_line(data.substr(0, nl));  // common case: no copy
      } else {
        buffer_.append(data.substr(0, nl));
        on_line(std::string_view(buffer_));
        buffer_.clear();
      }
      data.remove_prefix(nl + 1);
    }
  }

  std::size_t max_line_bytes() const noexcept { return max_; }
  /// Bytes of an incomplete line held back.
  std::size_t pending() const noexcept { return buffer_.size(); }

 private:
  std::size_t max_;
  std::string buffer_;
  bool discarding_ = false;
};

}  // namespace neuromesh::synapse::detail
