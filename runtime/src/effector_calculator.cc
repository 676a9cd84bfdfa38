#include "neuromesh/runtime/effector_calculator.h"

#include <boost/json/serialize.hpp>

#include <cmath>
#include <limits>

namespace neuromesh::runtime {
namespace {

using boost::json::value;

struct number {
  bool integral = false;
  std::int64_t i = 0;
  double d = 0;
};

std::optional<number> as_number(const value& v) {
  if (v.is_int64()) return number{true, v.get_int64(), static_cast<double>(v.get_int64())};
  if (v.is_uint64()) {
    const auto u = v.get_uint64();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return number{true, static_cast<std::int64_t>(u), static_cast<double>(u)};
    return number{false, 0, static_cast<double>(u)};
  }
  if (v.is_double()) return number{false, 0, v.get_double()};
  return std::nullopt;
}

std::string shown(const value& v) {
  std::string s = boost::json::serialize(v);
  if (s.size() > 40) {
    // Cut on a character boundary: the message must stay valid UTF-8.
    std::size_t cut = 37;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
    s = s.substr(0, cut) + "...";
  }
  return s;
}

tool_outcome failed(std::string message) {
  tool_outcome out;
  out.error = std::move(message);
  return out;
}

tool_outcome done(value v) {
  tool_outcome out;
  out.result = std::move(v);
  return out;
}

}  // namespace

calculator_effector::calculator_effector(std::string effector_id, std::string effector_kind)
    : effector(
          {std::move(effector_id), std::move(effector_kind), {"add", "sub", "mul", "div"}, "1"}) {}

tool_outcome calculator_effector::call(const tool_call& c) {
  number operand[2];
  const char* names[2] = {"a", "b"};
  for (int k = 0; k < 2; ++k) {
    const auto* v = c.args.if_contains(names[k]);
    if (v == nullptr) return failed(c.tool + ": args." + names[k] + ": required");
    auto n = as_number(*v);
    if (!n) return failed(c.tool + ": args." + names[k] + ": expected a number, got " + shown(*v));
    operand[k] = *n;
  }
  const auto& [a, b] = operand;
  if (c.tool == "div") {
    if (b.d == 0) return failed("div: division by zero");
    const double q = a.d / b.d;
    if (!std::isfinite(q)) return failed("div: result is not finite");
    return done(q);
  }
  if (a.integral && b.integral) {
    std::int64_t r = 0;
    bool overflow = false;
    if (c.tool == "add")
      overflow = __builtin_add_overflow(a.i, b.i, &r);
    else if (c.tool == "sub")
      overflow = __builtin_sub_overflow(a.i, b.i, &r);
    else if (c.tool == "mul")
      overflow = __builtin_mul_overflow(a.i, b.i, &r);
    else
      return failed("unknown tool '" + c.tool + "'");
    if (!overflow) return done(r);
  }
  double r = 0;
  if (c.tool == "add")
    r = a.d + b.d;
  else if (c.tool == "sub")
    r = a.d - b.d;
  else if (c.tool == "mul")
    r = a.d * b.d;
  else
    return failed("unknown tool '" + c.tool + "'");
  if (!std::isfinite(r)) return failed(c.tool + ": result is not finite");
  return done(r);
}

}  // namespace neuromesh::runtime
