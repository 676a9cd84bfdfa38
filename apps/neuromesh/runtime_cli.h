#pragma once
// Shared by the runtime's commands (agent, dispatch, stop, answer, registry list): connect a
// Synapse from a URL, run one coroutine on a private io_context, print Signals.

#include "neuromesh/protocol/signal.h"
#include "neuromesh/synapse/synapse.h"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <vector>

namespace neuromesh::cli {

/// Logs go to stderr (stdout carries the command's output only).
void log_to_stderr();

/// Runs main(bus) on a fresh single-threaded io_context over the Synapse of url; connects
/// first and closes after. Returns main's exit code, or 64 with a message on stderr for a bad
/// URL / connection failure (prefix names the command). NEUROMESH_BUSY_POLL_US=N (0–10000,
/// as for `neuromesh up`) busy-polls the io_context for N µs after each burst of work
/// (synapse/busy_poll.h); an unreadable value is the same 64 with a message.
int run_on_synapse(const std::string& prefix, const std::string& url,
                   std::function<boost::asio::awaitable<int>(synapse::synapse*)> main);

/// "a,b, c" -> {"a","b","c"} (empty items dropped).
std::vector<std::string> split_csv(const std::string& s);

/// One line per Signal: the raw envelope with json, else "TYPE trace=… from=… <payload>".
void print_signal(const protocol::signal& s, bool json);

}  // namespace neuromesh::cli
