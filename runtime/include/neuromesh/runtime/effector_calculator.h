#pragma once
// The calculator Effector: tools add, sub, mul, div over two numbers.
//
//   {"tool":"add","args":{"a":2,"b":3}}  ->  {"tool":"add","result":5}
//   {"tool":"div","args":{"a":1,"b":0}}  ->  {"tool":"div","error":"div: division by zero"}
//
// Integers (that fit in 64 bits) give an integer result while it does not overflow, else a
// float; any float operand gives a float; div always gives a float (Python's `/`). A missing
// or non-numeric argument is an error naming it: "add: args.b: expected a number, got \"x\"".

#include "neuromesh/runtime/effector.h"

namespace neuromesh::runtime {

class calculator_effector final : public effector {
 public:
  explicit calculator_effector(std::string effector_id = "calculator",
                               std::string effector_kind = "calculator");
  tool_outcome call(const tool_call& c) override;
};

}  // namespace neuromesh::runtime
