#include "neuromesh/protocol/json_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace neuromesh::protocol {
namespace {

std::string f(double x) {
  std::string out;
  append_json_float(out, x);
  return out;
}

std::string s(std::string_view in) {
  std::string out;
  append_json_string(out, in);
  return out;
}

TEST(json_text, floats_follow_python_repr_switch_points) {
  EXPECT_EQ(f(1.0), "1.0");
  EXPECT_EQ(f(0.00001), "0.00001");
  EXPECT_EQ(f(9.9e-6), "9.9e-6");
  EXPECT_EQ(f(1e-7), "1e-7");
  EXPECT_EQ(f(1e15), "1000000000000000.0");
  EXPECT_EQ(f(1e16), "1e+16");
  EXPECT_EQ(f(1.5e16), "1.5e+16");
  EXPECT_EQ(f(2.5e-300), "2.5e-300");
  EXPECT_EQ(f(0.1), "0.1");
  EXPECT_EQ(f(123456789012345.6), "123456789012345.6");
  EXPECT_EQ(f(-0.0), "-0.0");
  EXPECT_EQ(f(0.0), "0.0");
  EXPECT_EQ(f(-2.5), "-2.5");
  EXPECT_EQ(f(std::numeric_limits<double>::denorm_min()), "5e-324");
  EXPECT_EQ(f(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(f(NAN), "null");
  EXPECT_EQ(f(-INFINITY), "null");
}

TEST(json_text, strings_escape_only_what_pydantic_escapes) {
  EXPECT_EQ(s("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(s("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(s(std::string_view("\x00\x1f", 2)), R"("\u0000\u001f")");
  EXPECT_EQ(s("/\x7f é 😀 \xe2\x80\xa8"), "\"/\x7f é 😀 \xe2\x80\xa8\"");
}

}  // namespace
}  // namespace neuromesh::protocol
