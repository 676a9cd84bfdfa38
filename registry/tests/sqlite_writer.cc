// Helper process for the SQLite durability and multi-process tests.
//   registry_sqlite_writer DB PREFIX COUNT
// Upserts PREFIX-0, PREFIX-1, ... (COUNT = 0: until killed), touches the heartbeat of each
// and of the shared id "shared", and after each record's calls returned success writes its
// index and a newline to stdout (unbuffered), so the parent knows what was acknowledged.
// Any failed call is printed to stderr and exits with status 2.
#include "neuromesh/registry/sqlite_store.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  using namespace neuromesh::registry;
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DB PREFIX COUNT\n", argv[0]);
    return 64;
  }
  const std::string prefix = argv[2];
  const long count = std::strtol(argv[3], nullptr, 10);
  sqlite_store store(argv[1]);
  auto fail = [](const char* what, const store_error& e) {
    std::fprintf(stderr, "%s: %s\n", what, e.message.c_str());
    std::exit(2);
  };
  if (auto r = store.connect(); !r) fail("connect", r.error());
  for (long i = 0; count == 0 || i < count; ++i) {
    neuron_record rec;
    rec.neuron_id = prefix + "-" + std::to_string(i);
    rec.capabilities = {"cap" + std::to_string(i % 7), prefix};
    rec.version = std::to_string(i);
    if (auto r = store.upsert(rec); !r) fail("upsert", r.error());
    if (auto r = store.touch_heartbeat(rec.neuron_id, now_utc(), "ok"); !r)
      fail("touch_heartbeat", r.error());
    if (auto r = store.touch_heartbeat("shared", now_utc()); !r) fail("touch shared", r.error());
    const std::string line = std::to_string(i) + "\n";
    if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      return 3;
  }
  std::fprintf(stderr, "busy retries: %llu\n",
               static_cast<unsigned long long>(store.stats().busy_retries));
  return 0;
}
