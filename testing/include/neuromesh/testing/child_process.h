#pragma once
// A child process for tests that run a program (most often the neuromesh binary) as a user
// would: stdout on a pipe, stderr on its own pipe, merged into stdout or inherited, optionally
// a pipe on stdin, lines read with deadlines. A child still running when destroyed is SIGKILLed
// and reaped, so a failing test leaves no process behind.
//
// Reads return the line without its newline, or "<timeout>" at the deadline and "<eof>"
// once the child closed the stream. Not thread-safe: one test thread drives it.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::testing {

/// Where the child's stderr goes. A pipe nobody reads fills up and blocks a chatty child:
/// pick `own_pipe` only when the test reads err_* lines.
enum class stderr_to {
  own_pipe,     ///< read with err_line / err_until
  into_stdout,  ///< merged into the stdout pipe (read with out_*)
  inherit,      ///< the test's own stderr (shows in the test log)
};

struct child_options {
  bool pipe_stdin = false;  ///< write_in / close_in feed the child's stdin
  stderr_to err = stderr_to::own_pipe;
  std::filesystem::path cwd{};     ///< working directory; empty: the test's own
  std::vector<std::string> env{};  ///< NAME=VALUE entries added to the environment
};

class child_process {
 public:
  /// Starts argv[0] (a path) with argv. Throws std::runtime_error if a pipe or fork fails;
  /// an exec failure shows as exit code 127.
  explicit child_process(std::vector<std::string> argv, child_options options = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }

  /// Writes all of text to stdin; false if stdin is not piped or the child closed it.
  bool write_in(std::string_view text);
  /// End of file on the child's stdin (idempotent).
  void close_in();

  /// The next line of stdout / stderr.
  std::string out_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string err_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// The next line of stdout / stderr containing needle (lines before it are passed over);
  /// "<timeout>" or "<eof>" if none came.
  std::string out_until(std::string_view needle,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string err_until(std::string_view needle,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Every stdout line until EOF (or the deadline), each followed by '\n'.
  std::string rest_out(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Everything received on stdout / stderr so far, returned as lines or not (for failure
  /// messages and for output a test inspects after the exit).
  const std::string& out_seen() const noexcept { return out_.seen; }
  const std::string& err_seen() const noexcept { return err_.seen; }

  void signal(int sig);
  /// Waits for the exit: its exit code, 128 + the signal's number when a signal ended it,
  /// -1 at the deadline (the child keeps running). Reads the pipes meanwhile (into the
  /// buffers the line readers use), so a chatty child cannot block on a full pipe.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  /// SIGKILL, then reap (idempotent).
  void kill();

 private:
  struct stream {
    int fd = -1;
    bool eof = false;
    std::string buffer;  // received, not yet returned as lines
    std::string seen;    // everything received
  };
  static bool fill(stream& s, std::chrono::milliseconds timeout);
  static std::string line(stream& s, std::chrono::milliseconds timeout);
  static std::string until(stream& s, std::string_view needle, std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int in_ = -1;
  stream out_, err_;
  bool exited_ = false;
  int code_ = -1;
};

}  // namespace neuromesh::testing
