#pragma once
// The storage core's write path: one writer thread per database connection that applies
// queued writes in shared transactions (group commit). A caller submits an operation and a
// completion; the completion fires once, on the writer thread, after the transaction that
// carried the operation committed (ok = true) or failed (ok = false). Callers on an event
// loop post from the completion back to their own executor; nothing here blocks them.
//
// Ordering: operations are applied in submission order; a batch is at most max_batch
// operations. Failure isolation: when an operation or the commit of a batch fails, the
// batch is rolled back and each of its operations is retried alone in its own transaction,
// so only the failing operation's caller sees ok = false. A batch that failed because the
// connection was lost (transactional::take_lost_connection) is applied once more first.
//
// Thread-safety: submit() and flush() from any thread except the writer's own (a flush()
// from an operation or completion would wait for itself). The destructor applies
// everything already submitted, then joins the thread; submissions after that settle with
// ok = false at once.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace neuromesh::registry::storage {

/// What the writer needs from a connection: one transaction at a time. Implementations
/// apply the backend's busy/retry policy inside begin() and commit(); false means the
/// transaction could not be opened or committed (the cause is logged by the backend).
class transactional {
 public:
  virtual ~transactional() = default;
  virtual bool begin() = 0;
  virtual bool commit() = 0;
  virtual void rollback() noexcept = 0;
  /// True (once) when the last failure was a lost connection that the next begin()
  /// replaces: the writer then applies the same operations once more on the new one. Only
  /// for backends whose operations are idempotent (a commit lost in flight may have landed).
  virtual bool take_lost_connection() noexcept { return false; }
};

struct group_writer_stats {
  std::uint64_t writes = 0;        ///< operations settled
  std::uint64_t transactions = 0;  ///< transactions committed
  std::uint64_t failed = 0;        ///< operations settled with ok = false
  std::uint64_t isolated = 0;      ///< batches replayed one operation at a time after a failure
  std::uint64_t reconnected = 0;   ///< batches applied again after a lost connection
};

class group_writer {
 public:
  /// Runs inside the open transaction on the writer thread; false (or an exception) fails it.
  using operation = std::function<bool()>;
  using completion = std::function<void(bool ok)>;

  /// Starts the writer thread. name appears in log lines ("catalog sqlite:/path").
  group_writer(transactional& db, std::string name, std::size_t max_batch = 4096);
  ~group_writer();
  group_writer(const group_writer&) = delete;
  group_writer& operator=(const group_writer&) = delete;

  /// Queues op; done(ok) runs on the writer thread once its transaction settled.
  void submit(operation op, completion done);
  /// Blocks until everything submitted before the call has settled; true if all of it
  /// committed. Not from the writer thread.
  bool flush();

  group_writer_stats stats() const;

 private:
  struct item {
    operation op;
    completion done;
  };
  void run();
  bool apply(std::vector<item>& batch, std::size_t first, std::size_t count);
  bool apply_reconnecting(std::vector<item>& batch, std::size_t first, std::size_t count);
  void settle(std::vector<item>& batch, std::size_t first, std::size_t count, bool ok);

  transactional& db_;
  std::string name_;
  std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<item> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> writes_{0}, transactions_{0}, failed_{0}, isolated_{0},
      reconnected_{0};
  std::thread thread_;  // last: starts after every other member exists
};

}  // namespace neuromesh::registry::storage
