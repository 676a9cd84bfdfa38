// Durability and multi-process behaviour of SqliteRegistryStore, with real child processes
// (the registry_sqlite_writer helper) writing the file.
#include "neuromesh/registry/sqlite_store.h"
#include "neuromesh/testing/temp_dir.h"
#include "neuromesh/testing/testing.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>

namespace neuromesh::registry::testing {
namespace {

using neuromesh::testing::temp_dir;

// A running writer: its pid and the read end of its stdout.
struct writer {
  pid_t pid = -1;
  int out = -1;
  std::string pending;
  std::set<long> acknowledged;

  // Reads whatever the child has written; returns false at end of stream.
  bool pump(int timeout_ms) {
    pollfd p{out, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return true;
    char buf[4096];
    const auto n = ::read(out, buf, sizeof buf);
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      acknowledged.insert(std::stol(pending.substr(0, nl)));
      pending.erase(0, nl + 1);
    }
    return true;
  }
  void drain() {
    while (pump(1000)) {
    }
    ::close(out);
  }
  int wait() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  }
};

writer spawn(const std::string& db, const std::string& prefix, long count) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  writer w;
  w.pid = ::fork();
  if (w.pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    const std::string n = std::to_string(count);
    ::execl(NEUROMESH_REGISTRY_WRITER, NEUROMESH_REGISTRY_WRITER, db.c_str(), prefix.c_str(),
            n.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  w.out = fds[0];
  return w;
}

TEST(sqlite_durability, every_acknowledged_write_survives_sigkill_at_a_random_point) {
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 5; ++round) {
    temp_dir dir;
    const auto db = dir.file("registry.db");
    auto w = spawn(db, "k", 0);
    const std::size_t target = 20 + rng() % 400;
    ASSERT_TRUE(neuromesh::testing::eventually(
        [&] { return w.pump(10) && w.acknowledged.size() >= target; }, std::chrono::seconds(30)))
        << "writer acknowledged only " << w.acknowledged.size();
    ::kill(w.pid, SIGKILL);
    w.drain();  // lines written before the kill count as acknowledged too
    const int status = w.wait();
    ASSERT_TRUE(WIFSIGNALED(status));

    sqlite_store store(db);
    auto c = store.connect();
    ASSERT_TRUE(c) << c.error().message;
    for (long i : w.acknowledged) {
      auto got = store.get("k-" + std::to_string(i));
      ASSERT_TRUE(got) << got.error().message;
      ASSERT_TRUE(*got) << "acknowledged record k-" << i << " lost (round " << round << ")";
      EXPECT_EQ((*got)->status, "ok");
      EXPECT_EQ((*got)->version, std::to_string(i));
    }
    EXPECT_TRUE(*store.get("shared"));
  }
}

TEST(sqlite_durability, two_processes_writing_one_file_lose_nothing_and_never_see_locked) {
  temp_dir dir;
  const auto db = dir.file("registry.db");
  constexpr long per_process = 400;
  auto a = spawn(db, "a", per_process);
  auto b = spawn(db, "b", per_process);
  a.drain();
  b.drain();
  const int sa = a.wait(), sb = b.wait();
  ASSERT_TRUE(WIFEXITED(sa) && WEXITSTATUS(sa) == 0) << "writer a failed (see stderr)";
  ASSERT_TRUE(WIFEXITED(sb) && WEXITSTATUS(sb) == 0) << "writer b failed (see stderr)";
  EXPECT_EQ(a.acknowledged.size(), static_cast<std::size_t>(per_process));
  EXPECT_EQ(b.acknowledged.size(), static_cast<std::size_t>(per_process));

  sqlite_store store(db);
  ASSERT_TRUE(store.connect());
  auto all = store.list();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), static_cast<std::size_t>(2 * per_process + 1));
  for (const char* prefix : {"a", "b"}) {
    list_options o;
    o.capability = prefix;
    auto mine = store.list(o);
    ASSERT_TRUE(mine);
    EXPECT_EQ(mine->size(), static_cast<std::size_t>(per_process)) << prefix;
    for (const auto& r : *mine) EXPECT_EQ(r.status, "ok") << r.neuron_id;
  }
}

}  // namespace
}  // namespace neuromesh::registry::testing
