#include "neuromesh/protocol/codec.h"

#include "json_reader.h"
#include "neuromesh/protocol/json_text.h"

#include <array>
#include <charconv>
#include <stdexcept>

namespace neuromesh::protocol {
namespace {

using detail::json_kind;
using detail::json_reader;
using detail::kind_name;

// Wire order; also the order errors are reported in.
enum field : int {
  f_v,
  f_id,
  f_trace_id,
  f_parent_id,
  f_type,
  f_directed,
  f_ts,
  f_payload,
  f_meta,
  f_unknown
};
constexpr std::array<std::string_view, 9> field_names = {
    "v", "id", "trace_id", "parent_id", "type", "directed", "ts", "payload", "meta"};

field field_of(std::string_view key) noexcept {
  switch (key.size()) {
    case 1:
      return key == "v" ? f_v : f_unknown;
    case 2:
      return key == "id" ? f_id : key == "ts" ? f_ts : f_unknown;
    case 4:
      return key == "type" ? f_type : key == "meta" ? f_meta : f_unknown;
    case 7:
      return key == "payload" ? f_payload : f_unknown;
    case 8:
      return key == "trace_id" ? f_trace_id : key == "directed" ? f_directed : f_unknown;
    case 9:
      return key == "parent_id" ? f_parent_id : f_unknown;
    default:
      return f_unknown;
  }
}

struct field_error {
  std::string path;
  std::string message;
};

// Type and validation errors per field; a later occurrence of a key clears its field's error
// (the last duplicate wins). Errors are rare, so nothing is allocated until one happens.
class field_errors {
 public:
  void set(field f, std::string path, std::string message) {
    mask_ |= bit(f);
    list_.push_back({f, {std::move(path), std::move(message)}});
  }
  void clear(field f) noexcept { mask_ &= static_cast<std::uint16_t>(~bit(f)); }
  bool has(field f) const noexcept { return (mask_ & bit(f)) != 0; }
  /// The error of the first field (wire order) that has one.
  std::optional<decode_error> first() {
    for (int f = 0; f < 9; ++f) {
      if (!has(static_cast<field>(f))) continue;
      for (auto it = list_.rbegin(); it != list_.rend(); ++it)
        if (it->first == f)
          return decode_error{std::move(it->second.path), std::move(it->second.message)};
    }
    return std::nullopt;
  }

 private:
  static std::uint16_t bit(field f) noexcept { return static_cast<std::uint16_t>(1u << f); }
  std::uint16_t mask_ = 0;
  std::vector<std::pair<int, field_error>> list_;
};

std::string expected(std::string_view what, json_kind got) {
  return "expected " + std::string(what) + ", got " + std::string(kind_name(got));
}

class envelope_parser {
 public:
  explicit envelope_parser(std::string_view json) : r_(json) {}

  boost::system::result<signal, decode_error> run(decode_notes& notes);

 private:
  bool value(field f);
  bool string_field(field f, std::string& target);
  bool directed_value();
  bool ts_value();
  bool skip() {
    scratch_.clear();
    return r_.read_value(scratch_, 1);
  }
  // Records a type error for f (the last occurrence of a key wins, so it may be cleared) and
  // still consumes the value so the JSON is validated.
  bool wrong(field f, std::string path, std::string message) {
    errors_.set(f, std::move(path), std::move(message));
    return skip();
  }
  decode_error syntax_error() const {
    std::string msg = "invalid JSON at offset " + std::to_string(r_.error_offset()) + ": " +
                      (r_.error() ? r_.error() : "unexpected input");
    return {current_ == f_unknown ? std::string() : std::string(field_names[current_]),
            std::move(msg)};
  }

  json_reader r_;
  std::string scratch_, key_;
  field current_ = f_unknown;
  field_errors errors_;
  std::array<bool, 9> present_{};

  std::string v_, id_, trace_id_, parent_id_;
  std::optional<signal_type> type_value_;
  bool parent_null_ = true;
  std::optional<protocol::directed> directed_;
  timestamp ts_;
  bool ts_z_ = false;
  std::string payload_, meta_;
};

bool envelope_parser::string_field(field f, std::string& target) {
  json_kind k = r_.next_kind();
  if (k != json_kind::string) return wrong(f, std::string(field_names[f]), expected("string", k));
  std::string_view text;
  if (!r_.read_key(text, scratch_)) return false;  // a view of the input unless escaped
  target.assign(text);
  return true;
}

bool envelope_parser::directed_value() {
  json_kind k = r_.next_kind();
  if (k == json_kind::null) {
    directed_.reset();
    return skip();
  }
  if (k != json_kind::object) return wrong(f_directed, "directed", expected("object or null", k));
  directed_.emplace();
  r_.consume('{');
  if (r_.consume('}')) return true;
  for (;;) {
    std::string_view key;
    if (!r_.read_key(key, key_) || !r_.consume(':')) return r_.fail("expected a key and ':'");
    if (key == "id" || key == "type") {
      auto& target = key == "id" ? directed_->id : directed_->type;
      json_kind vk = r_.next_kind();
      if (vk == json_kind::null) {
        target.reset();
        if (!skip()) return false;
      } else if (vk == json_kind::string) {
        target.emplace();
        if (!r_.read_string(*target)) return false;
      } else if (!wrong(f_directed, "directed." + std::string(key),
                        expected("string or null", vk))) {
        return false;
      }
    } else if (key == "capabilities") {
      auto& caps = directed_->capabilities;
      caps.clear();
      json_kind vk = r_.next_kind();
      if (vk != json_kind::array) {
        if (!wrong(f_directed, "directed.capabilities", expected("array", vk))) return false;
      } else {
        r_.consume('[');
        if (!r_.consume(']')) {
          for (std::size_t index = 0;; ++index) {
            json_kind ek = r_.next_kind();
            if (ek == json_kind::string) {
              if (!r_.read_string(caps.emplace_back())) return false;
            } else if (!wrong(f_directed, "directed.capabilities[" + std::to_string(index) + "]",
                              expected("string", ek))) {
              return false;
            }
            if (r_.consume(',')) continue;
            if (r_.consume(']')) break;
            return r_.fail("expected ',' or ']'");
          }
        }
      }
    } else if (!skip()) {
      return false;
    }
    if (r_.consume(',')) continue;
    if (r_.consume('}')) return true;
    return r_.fail("expected ',' or '}'");
  }
}

bool envelope_parser::ts_value() {
  json_kind k = r_.next_kind();
  std::string why;
  std::optional<timestamp> t;
  if (k == json_kind::string) {
    scratch_.clear();
    if (!r_.read_string(scratch_)) return false;
    t = timestamp::parse(scratch_, &why);
    ts_z_ = !scratch_.empty() && scratch_.back() == 'Z';
    if (!t) why = "invalid datetime '" + scratch_ + "': " + why;
  } else if (k == json_kind::number) {
    std::string_view token;
    bool is_integer;
    if (!r_.read_number_token(token, is_integer)) return false;
    std::int64_t i;
    if (is_integer &&
        std::from_chars(token.data(), token.data() + token.size(), i).ec == std::errc{}) {
      t = timestamp::from_unix(i, &why);
    } else {
      double d = 0;
      std::from_chars(token.data(), token.data() + token.size(), d);
      t = timestamp::from_unix(d, &why);
    }
    ts_z_ = false;
    if (!t) why = "invalid Unix time " + std::string(token) + ": " + why;
  } else {
    return wrong(f_ts, "ts", expected("datetime string or number", k));
  }
  if (t)
    ts_ = *t;
  else
    errors_.set(f_ts, "ts", std::move(why));
  return true;
}

bool envelope_parser::value(field f) {
  if (f != f_unknown) {
    present_[f] = true;
    errors_.clear(f);
  }
  switch (f) {
    case f_v:
      return string_field(f, v_);
    case f_id:
      return string_field(f, id_);
    case f_trace_id:
      return string_field(f, trace_id_);
    case f_type: {
      json_kind k = r_.next_kind();
      if (k != json_kind::string) return wrong(f, "type", expected("string", k));
      std::string_view text;
      if (!r_.read_key(text, scratch_)) return false;
      type_value_ = signal_type_from_string(text);
      if (!type_value_)
        errors_.set(f_type, "type", "unknown signal type '" + std::string(text) + "'");
      return true;
    }
    case f_parent_id:
      if (r_.next_kind() == json_kind::null) {
        parent_null_ = true;
        return skip();
      }
      parent_null_ = false;
      return string_field(f, parent_id_);
    case f_directed:
      return directed_value();
    case f_ts:
      return ts_value();
    case f_payload:
    case f_meta: {
      std::string& out = f == f_payload ? payload_ : meta_;
      json_kind k = r_.next_kind();
      if (k != json_kind::object)
        return wrong(f, std::string(field_names[f]), expected("object", k));
      out.clear();
      // Canonical text is rarely longer than its input: one allocation, not a doubling series.
      if (std::size_t rest = r_.remaining(); rest > 15) out.reserve(rest);
      return r_.read_object(out, 1);
    }
    case f_unknown:
      return skip();
  }
  return skip();
}

boost::system::result<signal, decode_error> envelope_parser::run(decode_notes& notes) {
  json_kind top = r_.next_kind();
  if (top != json_kind::object) {
    if (top == json_kind::invalid) {
      r_.fail(r_.at_end() ? "empty input" : "expected a value");
      return syntax_error();
    }
    return decode_error{"", "expected a JSON object, got " + std::string(kind_name(top))};
  }
  r_.consume('{');
  if (!r_.consume('}')) {
    for (;;) {
      current_ = f_unknown;
      std::string_view key;
      if (!r_.read_key(key, key_)) return syntax_error();
      if (!r_.consume(':')) {
        r_.fail("expected ':'");
        return syntax_error();
      }
      current_ = field_of(key);
      if (!value(current_)) return syntax_error();
      current_ = f_unknown;
      if (r_.consume(',')) continue;
      if (r_.consume('}')) break;
      r_.fail("expected ',' or '}'");
      return syntax_error();
    }
  }
  if (!r_.at_end()) {
    r_.fail("unexpected characters after the envelope");
    return syntax_error();
  }

  if (!present_[f_type]) errors_.set(f_type, "type", "required field missing");
  if (present_[f_v] && !errors_.has(f_v) && std::string_view(v_).substr(0, v_.find('.')) != "1")
    errors_.set(f_v, "v", "unsupported major version in '" + v_ + "' (expected 1)");
  auto prefix = [&](field f, const std::string& value, std::string_view p) {
    if (present_[f] && !errors_.has(f) && !value.starts_with(p))
      errors_.set(f, std::string(field_names[f]),
                  "must start with '" + std::string(p) + "', got '" + value + "'");
  };
  prefix(f_id, id_, "evt_");
  prefix(f_trace_id, trace_id_, "trc_");
  if (!parent_null_) prefix(f_parent_id, parent_id_, "evt_");
  if (auto e = errors_.first()) return std::move(*e);

  notes.missing_v = !present_[f_v];
  notes.missing_id = !present_[f_id];
  notes.missing_trace_id = !present_[f_trace_id];
  notes.missing_ts = !present_[f_ts];
  notes.ts_not_utc_z = present_[f_ts] && !ts_z_;

  // Designated initialisers skip the defaults (fresh ids, now()) of fields that are present.
  return signal{
      .v = present_[f_v] ? std::move(v_) : std::string("1"),
      .id = present_[f_id] ? event_id{std::move(id_)} : event_id::generate(),
      .trace_id = present_[f_trace_id] ? trace_id{std::move(trace_id_)} : trace_id::generate(),
      .parent_id =
          parent_null_ ? std::nullopt : std::optional<event_id>(event_id{std::move(parent_id_)}),
      .type = *type_value_,
      .directed = std::move(directed_),
      .ts = present_[f_ts] ? ts_ : timestamp::now(),
      .payload =
          present_[f_payload] ? raw_object::from_canonical(std::move(payload_)) : raw_object(),
      .meta = present_[f_meta] ? raw_object::from_canonical(std::move(meta_)) : raw_object(),
  };
}

}  // namespace

std::string decode_error::what() const { return field.empty() ? message : field + ": " + message; }

void throw_exception_from_error(const decode_error& e, const boost::source_location&) {
  throw std::invalid_argument(e.what());
}

void encode_to(const signal& s, std::string& out) {
  out.reserve(out.size() + 200 + s.payload.text().size() + s.meta.text().size());
  out.append(R"({"v":)");
  append_json_string(out, s.v);
  out.append(R"(,"id":)");
  append_json_string(out, s.id.value);
  out.append(R"(,"trace_id":)");
  append_json_string(out, s.trace_id.value);
  out.append(R"(,"parent_id":)");
  if (s.parent_id)
    append_json_string(out, s.parent_id->value);
  else
    out.append("null");
  out.append(R"(,"type":")");
  out.append(to_string(s.type));
  out.append(R"(","directed":)");
  if (s.directed) {
    out.append(R"({"id":)");
    if (s.directed->id)
      append_json_string(out, *s.directed->id);
    else
      out.append("null");
    out.append(R"(,"type":)");
    if (s.directed->type)
      append_json_string(out, *s.directed->type);
    else
      out.append("null");
    out.append(R"(,"capabilities":[)");
    bool first = true;
    for (const auto& c : s.directed->capabilities) {
      if (!first) out.push_back(',');
      first = false;
      append_json_string(out, c);
    }
    out.append("]}");
  } else {
    out.append("null");
  }
  out.append(R"(,"ts":")");
  s.ts.append_to(out);
  out.append(R"(","payload":)");
  out.append(s.payload.text());
  out.append(R"(,"meta":)");
  out.append(s.meta.text());
  out.push_back('}');
}

std::string encode(const signal& s) {
  std::string out;
  encode_to(s, out);
  return out;
}

boost::system::result<signal, decode_error> decode(std::string_view json, decode_notes& notes) {
  envelope_parser p(json);
  return p.run(notes);
}

boost::system::result<signal, decode_error> decode(std::string_view json) {
  decode_notes notes;
  return decode(json, notes);
}

}  // namespace neuromesh::protocol
