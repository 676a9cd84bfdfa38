#include "errors.h"

#include <boost/json/serialize.hpp>

#include <array>
#include <string>

namespace neuromesh::catalog {
namespace detail {
namespace {

constexpr std::array<error_entry, 15> table{{
    {errc::invalid_api_key, 403, "Invalid or missing API key"},
    {errc::instance_not_found, 404, "Instance not found"},
    {errc::tool_not_found, 404, "Tool not found"},
    {errc::route_not_found, 404, "Not Found"},
    {errc::method_not_allowed, 405, "Method Not Allowed"},
    {errc::deregistered, 409, "Instance was deregistered after this registration generation"},
    {errc::payload_too_large, 413, "Request body too large"},
    {errc::validation_failed, 422, "Validation error"},
    {errc::rate_limited, 429, "Rate limit exceeded"},
    {errc::store_failed, 503, "Instance store unavailable; the change was not applied"},
    {errc::bad_store_url, 500, "Bad --store value"},
    {errc::store_open_failed, 500, "The instance store could not be opened"},
    {errc::transport_failed, 502, "Could not reach the catalog"},
    {errc::unexpected_status, 502, "The catalog answered with an error status"},
    {errc::bad_response, 502, "The catalog answered with an unexpected body"},
}};

std::string detail_body(std::string_view text) {
  boost::json::object o;
  o["detail"] = text;
  return boost::json::serialize(o);
}

}  // namespace

const error_entry& error_info(errc e) noexcept {
  for (const auto& entry : table) {
    if (entry.code == e) return entry;
  }
  return table[0];  // unreachable: every errc has a row (errors_test checks)
}

response error_response(errc e) {
  const auto& info = error_info(e);
  return json_response(info.status, detail_body(info.detail));
}

response validation_response(const std::vector<field_error>& errors) {
  boost::json::array items;
  for (const auto& e : errors) {
    boost::json::object item;
    item["type"] = e.type;
    item["loc"] = e.loc;
    item["msg"] = e.msg;
    item["input"] = e.input;
    items.push_back(std::move(item));
  }
  boost::json::object o;
  o["detail"] = std::move(items);
  return json_response(422, boost::json::serialize(o));
}

response rate_limited_response(int per_minute, std::chrono::seconds retry_after) {
  auto r = json_response(
      429, detail_body("Rate limit exceeded: " + std::to_string(per_minute) + " per 1 minute"));
  r.headers.emplace_back("Retry-After",
                         std::to_string(std::max<long long>(1, retry_after.count())));
  return r;
}

response json_response(unsigned status, std::shared_ptr<const std::string> body) {
  response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

response json_response(unsigned status, std::string body) {
  return json_response(status, std::make_shared<const std::string>(std::move(body)));
}

}  // namespace detail

namespace {
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "neuromesh.catalog"; }
  std::string message(int ev) const override {
    return std::string(detail::error_info(static_cast<errc>(ev)).detail);
  }
};
}  // namespace

const boost::system::error_category& catalog_category() noexcept {
  static const category c;
  return c;
}

}  // namespace neuromesh::catalog
