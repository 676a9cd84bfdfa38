#pragma once
// subscribe_typed<T>: a subscription that converts each event's JSON payload to T.
//
// Customisation point: from_json<T>::convert. The default uses Boost.JSON's value_to<T>, so
// a type with a tag_invoke(value_to_tag<T>, const value&) overload works as it is;
// specialise from_json<T> for anything else. A payload that does not convert yields
// errc::decode_failed for that event and the stream goes on.

#include "neuromesh/bus/errc.h"
#include "neuromesh/bus/subscription.h"

#include <boost/json/value_to.hpp>

#include <utility>

namespace neuromesh::bus {

template <class T>
struct from_json {
  static boost::system::result<T> convert(const boost::json::value& v) {
    try {
      return boost::json::value_to<T>(v);
    } catch (const std::exception&) {
      return make_error_code(errc::decode_failed);
    }
  }
};

template <class T>
class typed_subscription {
 public:
  explicit typed_subscription(subscription inner) : inner_(std::move(inner)) {}

  boost::system::result<T> next(std::chrono::milliseconds timeout) {
    auto e = inner_.next(timeout);
    if (!e) return e.error();
    return decode(*e);
  }
  boost::asio::awaitable<boost::system::result<T>> async_next() {
    auto e = co_await inner_.async_next();
    if (!e) co_return e.error();
    co_return decode(*e);
  }
  subscription& raw() noexcept { return inner_; }

 private:
  static boost::system::result<T> decode(const event& e) {
    auto v = e.json();
    if (!v) return v.error();
    return from_json<T>::convert(*v);
  }
  subscription inner_;
};

}  // namespace neuromesh::bus
