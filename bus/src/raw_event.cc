#include "neuromesh/bus/raw_event.h"

#include <xxhash.h>

#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

namespace neuromesh::bus {

namespace detail {
void free_payload(payload_header* h) noexcept {
  h->~payload_header();
  ::operator delete(static_cast<void*>(h));
}
}  // namespace detail

raw_event raw_event::copy_of(std::string_view bytes) {
  if (bytes.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("raw_event: payload larger than 4 GiB");
  }
  void* mem = ::operator new(sizeof(detail::payload_header) + bytes.size());
  auto* h = new (mem) detail::payload_header{};
  h->refs.store(1, std::memory_order_relaxed);
  h->size = static_cast<std::uint32_t>(bytes.size());
  h->hash = XXH3_64bits(bytes.data(), bytes.size());
  if (!bytes.empty()) std::memcpy(static_cast<void*>(h + 1), bytes.data(), bytes.size());
  return raw_event(h);
}

}  // namespace neuromesh::bus
