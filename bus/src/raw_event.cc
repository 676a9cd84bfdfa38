#include "neuromesh/bus/raw_event.h"

#include <xxhash.h>

#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>

namespace neuromesh::bus {

namespace detail {
void free_payload(payload_header* h) noexcept {
  h->~payload_header();
  ::operator delete(static_cast<void*>(h));
}
}  // namespace detail

raw_event raw_event::copy_of(std::string_view bytes) { return make(bytes, {}); }

raw_event raw_event::copy_with_id(std::string_view bytes, std::string_view dedup_id) {
  if (dedup_id.empty()) throw std::invalid_argument("dedup id: empty");
  if (dedup_id.size() > max_dedup_id_size) {
    throw std::invalid_argument("dedup id: " + std::to_string(dedup_id.size()) +
                                " bytes, at most " + std::to_string(max_dedup_id_size));
  }
  for (std::size_t i = 0; i < dedup_id.size(); ++i) {
    auto c = static_cast<unsigned char>(dedup_id[i]);
    if (c <= 0x20 || c >= 0x7f) {
      throw std::invalid_argument("dedup id: byte " + std::to_string(i) +
                                  " is not printable ASCII (space and control bytes are refused)");
    }
  }
  return make(bytes, dedup_id);
}

raw_event raw_event::make(std::string_view bytes, std::string_view id) {
  if (bytes.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("raw_event: payload larger than 4 GiB");
  }
  void* mem = ::operator new(sizeof(detail::payload_header) + bytes.size() + id.size());
  auto* h = new (mem) detail::payload_header{};
  h->refs.store(1, std::memory_order_relaxed);
  h->size = static_cast<std::uint32_t>(bytes.size());
  h->hash = XXH3_64bits(bytes.data(), bytes.size());
  h->id_size = static_cast<std::uint32_t>(id.size());
  auto* data = reinterpret_cast<char*>(h + 1);
  if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  if (!id.empty()) std::memcpy(data + bytes.size(), id.data(), id.size());
  return raw_event(h);
}

}  // namespace neuromesh::bus
