#pragma once
// A single-pass JSON reader that validates its input and writes the canonical form the Python
// SDK would write (see json_text.h), as jiter + pydantic-core do: whitespace dropped, \uXXXX
// of non-ASCII written back as UTF-8, `\/` as `/`, integers of any size kept (up to 4300
// digits, Python's limit), floats re-formatted, NaN/Infinity literals as null, duplicate keys
// keep the last value at the first key's position, nesting limited to 200 levels.
//
// Private to the protocol layer; the codec drives it field by field.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::protocol::detail {

enum class json_kind : unsigned char { null, boolean, number, string, array, object, invalid };

/// "null", "boolean", ... for error messages.
std::string_view kind_name(json_kind k) noexcept;

class json_reader {
 public:
  static constexpr int max_depth = 200;  // jiter's recursion limit

  explicit json_reader(std::string_view in) noexcept
      : begin_(in.data()),
        p_(in.data()),
        end_(in.data() + in.size()),
        entries_(entry_stack()),
        entries_base_(entries_.size()) {}
  ~json_reader() { entries_.resize(entries_base_); }
  json_reader(const json_reader&) = delete;
  json_reader& operator=(const json_reader&) = delete;

  /// Skips JSON whitespace; returns the next byte or 0 at the end.
  char peek() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    return p_ == end_ ? 0 : *p_;
  }
  bool consume(char c) noexcept {
    if (peek() != c) return false;
    ++p_;
    return true;
  }
  bool at_end() noexcept {
    peek();
    return p_ == end_;  // a NUL byte is input, not the end
  }
  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  json_kind next_kind() noexcept;

  /// Reads a string and appends its decoded UTF-8 text (no quotes) to out.
  bool read_string(std::string& out);
  /// Reads an object key: a view of the input when it has no escapes (the common case),
  /// else decoded into buf. key stays valid until buf changes.
  bool read_key(std::string_view& key, std::string& buf);
  /// Reads any value and appends its canonical text to out. depth = nesting of the parent.
  bool read_value(std::string& out, int depth);
  /// Reads an object and appends its canonical text.
  bool read_object(std::string& out, int depth);
  /// Reads a number token without re-formatting it (for timestamps).
  bool read_number_token(std::string_view& token, bool& is_integer);

  bool fail(const char* reason) noexcept {
    if (!error_) {
      error_ = reason;
      error_offset_ = static_cast<std::size_t>(p_ - begin_);
    }
    return false;
  }
  const char* error() const noexcept { return error_; }
  std::size_t error_offset() const noexcept { return error_offset_; }

 private:
  struct entry {
    std::uint32_t key_begin, key_end, value_end, first;
  };

  template <bool canonical>
  bool string_body(std::string& out);
  bool number(std::string& out);
  bool array(std::string& out, int depth);
  bool literal(std::string_view word, std::string& out, std::string_view written);
  void rebuild_object(std::string& out, std::size_t begin, std::size_t first_entry);

  const char* begin_;
  const char* p_;
  const char* end_;
  const char* error_ = nullptr;
  std::size_t error_offset_ = 0;
  // Keys of every open object, innermost last. One stack per thread, reused across readers
  // so that decoding does not allocate for it.
  static std::vector<entry>& entry_stack() {
    thread_local std::vector<entry> stack;
    return stack;
  }
  std::vector<entry>& entries_;
  std::size_t entries_base_;
};

}  // namespace neuromesh::protocol::detail
