#pragma once
// Exceptions for programmer errors (reference/cosmonapse.md §2.4, §4.16). Everything the
// mesh can do to a correct program (timeouts, no responder, a closed Pathway) comes back as
// a value instead (errc.h).
//
//   std::logic_error
//   └── dendrite_error                 base of every runtime exception
//       ├── protocol_error             DendriteProtocolError: a non-SYNAPSE type through
//       │                              emit(), a worker initiating TASK/STOP, the wrong request
//       │                              type for bid/respond_to_*/grant/deny/answer/await_decision,
//       │                              no follow-up target
//       ├── usage_error                ValueError: bad role, select, scope, duplicate attach id,
//       │   │                          duplicate observe_pathway, max_attempts < 1, every_s <= 0
//       │   └── unknown_neuron         KeyError: detach of an id that is not attached
//       └── state_error                RuntimeError: attach_axon while running, registry helpers
//                                      without a store, emitting before start

#include <stdexcept>

namespace neuromesh::runtime {

class dendrite_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

class protocol_error : public dendrite_error {
 public:
  using dendrite_error::dendrite_error;
};

class usage_error : public dendrite_error {
 public:
  using dendrite_error::dendrite_error;
};

class unknown_neuron : public usage_error {
 public:
  using usage_error::usage_error;
};

class state_error : public dendrite_error {
 public:
  using dendrite_error::dendrite_error;
};

}  // namespace neuromesh::runtime
