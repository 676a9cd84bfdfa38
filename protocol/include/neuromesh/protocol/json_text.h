#pragma once
// Writing JSON text the way the Python SDK (pydantic-core 2.46) writes it. Used by encode(),
// raw_object and the builders, and available to other layers that assemble wire JSON by hand.
//
//   strings: `"` and `\` escaped, \b \f \n \r \t, other control characters as \u00xx
//            (lowercase hex), everything else raw UTF-8 (also U+007F, U+2028)
//   floats:  shortest round-trip digits; plain decimal with ".0" for integral values when
//            1e-5 <= |x| < 1e16 (1.0, 0.00001, 1000000000000000.0), exponent form otherwise
//            (1e-7, 1e+16, 2.5e-300); -0.0 kept; NaN and infinities as null

#include <cstdint>
#include <string>
#include <string_view>

namespace neuromesh::protocol {

/// Appends s (valid UTF-8) as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);
/// Appends x as pydantic-core writes a Python float.
void append_json_float(std::string& out, double x);
void append_json_int(std::string& out, std::int64_t x);

}  // namespace neuromesh::protocol
