#pragma once
// Forward declarations of the runtime layer's types, for headers that only name them.

namespace neuromesh::runtime {

class axon;
struct axon_options;
class neuron;
struct context;
class pathway;
class dendrite;
struct dendrite_options;
struct dispatch_args;
struct offer_args;
struct retry_strategy;
class retry_policy;
class bid_selection;
class decision_cache;
class stale_sweep;

}  // namespace neuromesh::runtime
