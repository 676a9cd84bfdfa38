#include "neuromesh/registry/registry_store.h"

#include <boost/throw_exception.hpp>

namespace neuromesh::registry {
namespace {

store_error empty_id(std::string_view call) {
  return {errc::invalid_argument, std::string(call) + ": neuron_id must not be empty"};
}

}  // namespace

void throw_exception_from_error(const store_error& e, const boost::source_location& loc) {
  boost::throw_exception(store_exception(e), loc);
}

store_result<void> registry_store::upsert(const neuron_record& record) {
  if (record.neuron_id.empty()) {
    count_rejected();
    return empty_id("upsert");
  }
  return do_upsert(record);
}

store_result<void> registry_store::mark_deregistered(std::string_view neuron_id) {
  if (neuron_id.empty()) {
    count_rejected();
    return empty_id("mark_deregistered");
  }
  return do_mark_deregistered(neuron_id);
}

store_result<void> registry_store::touch_heartbeat(std::string_view neuron_id, time_point ts,
                                                   std::optional<std::string_view> status) {
  if (neuron_id.empty()) {
    count_rejected();
    return empty_id("touch_heartbeat");
  }
  return do_touch_heartbeat(neuron_id, ts, status);
}

store_result<std::optional<neuron_record>> registry_store::get(std::string_view neuron_id) {
  if (neuron_id.empty()) {
    count_rejected();
    return empty_id("get");
  }
  return do_get(neuron_id);
}

store_result<std::vector<neuron_record>> registry_store::list(const list_options& options) {
  return do_list(options);
}

}  // namespace neuromesh::registry
