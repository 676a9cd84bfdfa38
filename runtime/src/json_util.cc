#include "json_util.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace neuromesh::runtime::detail {

std::optional<boost::json::value> payload_value(const protocol::signal& s, std::string_view key) {
  auto text = s.payload.find(key);
  if (!text) return std::nullopt;
  if (*text == "null") return boost::json::value();  // the common absent field: no parser set-up
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec) return std::nullopt;
  return v;
}

std::string shown(const boost::json::value& v) {
  std::string s = boost::json::serialize(v);
  if (s.size() > 60) {
    // Cut on a character boundary: the message must stay valid UTF-8.
    std::size_t cut = 57;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
    s = s.substr(0, cut) + "...";
  }
  return s;
}

bool truthy(const boost::json::value& v) noexcept {
  switch (v.kind()) {
    case boost::json::kind::null:
      return false;
    case boost::json::kind::bool_:
      return v.get_bool();
    case boost::json::kind::int64:
      return v.get_int64() != 0;
    case boost::json::kind::uint64:
      return v.get_uint64() != 0;
    case boost::json::kind::double_:
      return v.get_double() != 0.0;
    case boost::json::kind::string:
      return !v.get_string().empty();
    case boost::json::kind::array:
      return !v.get_array().empty();
    case boost::json::kind::object:
      return !v.get_object().empty();
  }
  return false;
}

std::optional<std::string> string_field(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

const boost::json::object* object_field(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->value().is_object()) return nullptr;
  return &it->value().get_object();
}

std::optional<std::vector<std::string>> string_list(const boost::json::value& v) {
  if (!v.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) return std::nullopt;
    out.emplace_back(e.get_string());
  }
  return out;
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

bool covers(const std::vector<std::string>& have, const std::vector<std::string>& wanted) noexcept {
  for (const auto& w : wanted)
    if (std::find(have.begin(), have.end(), w) == have.end()) return false;
  return true;
}

}  // namespace neuromesh::runtime::detail
