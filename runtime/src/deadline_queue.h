#pragma once
// One timer for many timed waits (layer-internal). Every Pathway wait with a timeout used
// to arm its own steady_timer, and arming the earliest timer of an io_context is a
// timerfd_settime system call: one per dispatch_and_wait over a network Synapse. A
// dendrite's waits share this queue instead: the entries are kept ordered by deadline
// (an intrusive multiset, no allocation per wait) and one steady_timer is armed for the
// earliest. A wait whose deadline is later than the armed one (the common case: equal
// timeouts in sequence) arms nothing.
//
// While `keep_armed` is set (a running dendrite) the timer is left armed when the queue
// empties, so the next wait usually finds it armed early enough; it then fires once,
// finds nothing due and stays idle. Without it (a stopped dendrite) the timer is
// cancelled as soon as the queue empties, so it never holds an io_context::run() open.
//
// Thread-safety: none; use it from the executor it was made with (the dendrite's).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/set.hpp>

#include <chrono>
#include <memory>

namespace neuromesh::runtime::detail {

/// One timed wait, linked into its queue while pending (it unlinks itself when destroyed).
class deadline_entry : public boost::intrusive::set_base_hook<
                           boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
 public:
  std::chrono::steady_clock::time_point when{};
  /// Called from the queue's timer once `when` passed; the entry is already unlinked.
  virtual void expire() = 0;

 protected:
  deadline_entry() = default;
  ~deadline_entry() = default;
};

class deadline_queue : public std::enable_shared_from_this<deadline_queue> {
 public:
  explicit deadline_queue(boost::asio::any_io_executor ex) : timer_(std::move(ex)) {}
  ~deadline_queue();
  deadline_queue(const deadline_queue&) = delete;
  deadline_queue& operator=(const deadline_queue&) = delete;

  /// Adds e (e.when set, e not linked); arms the timer if e is now the earliest.
  void add(deadline_entry& e);
  /// Takes e out (no-op when not linked: it expired or was never added).
  void remove(deadline_entry& e);
  /// See above; clearing it cancels the timer at once when the queue is empty.
  void keep_armed(bool on);
  bool empty() const noexcept { return entries_.empty(); }

 private:
  struct by_when {
    bool operator()(const deadline_entry& a, const deadline_entry& b) const noexcept {
      return a.when < b.when;
    }
  };
  using set = boost::intrusive::multiset<deadline_entry, boost::intrusive::compare<by_when>,
                                         boost::intrusive::constant_time_size<false>>;
  struct on_timer;
  void arm(std::chrono::steady_clock::time_point t);
  void fire();
  void idle();

  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point armed_ = std::chrono::steady_clock::time_point::max();
  bool keep_armed_ = false;
  set entries_;
};

}  // namespace neuromesh::runtime::detail
