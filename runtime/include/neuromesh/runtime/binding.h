#pragma once
// Bindings: how an Axon names the Engrams and Effectors its Neuron may use (reference §5.1,
// EngramBinding / EffectorBinding of §6.1). The Axon whitelists them by name; the Neuron
// reaches them through its context (bound_engram.h):
//
//   axon a({.neuron_id = "notes", .neuron = notes,
//           .engrams = {{.name = "memory", .directed_id = "memory"}},
//           .effectors = {{.name = "calc", .directed_type = "calculator"}}});
//
// A binding addresses by id (directed_id, preferred) or by kind (directed_type); one of the
// two is required. Light on purpose: axon.h includes it.

#include "neuromesh/runtime/engram_errc.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace neuromesh::runtime {

/// How an Axon names an Engram for its Neuron (EngramBinding). Needs an id or a type.
struct engram_binding {
  std::string name;
  std::optional<std::string> directed_id{};                     ///< engram_id (wins over the type)
  std::optional<std::string> directed_type{};                   ///< engram_kind
  std::optional<std::chrono::milliseconds> default_deadline{};  ///< when a call gives none
  std::string default_recall_mode = "first";  ///< when a call gives none: first, merge or all

  /// errc::invalid_argument naming the binding when neither id nor type is set, or the
  /// recall mode is not first, merge or all.
  engram_result<void> check() const;
};

/// How an Axon names an Effector for its Neuron (EffectorBinding). Needs an id or a type.
struct effector_binding {
  std::string name;
  std::optional<std::string> directed_id{};    ///< effector_id (wins over the type)
  std::optional<std::string> directed_type{};  ///< effector_kind
  std::optional<std::chrono::milliseconds> default_deadline{};  ///< when a call gives none
  std::vector<std::string> tools{};  ///< the tools this binding serves (caller-side routing)

  engram_result<void> check() const;
};

}  // namespace neuromesh::runtime
