// neuromesh cortex: RedEX logs and the CortEX tasks / memories models over a directory
// (cortex/README.md). Output is what scripts read:
//   cortex log append --dir D --log NAME [--fsync never|always|every:N|interval:MS]
//       one record per stdin line; prints "seq N" once each is appended under the policy
//   cortex log tail --dir D --log NAME [--from SEQ] [--follow]   records, one per line
//   cortex log stat --dir D --log NAME --json  {"count":..,"bytes":..,"first_seq":..,"last_seq":..}
//   cortex tasks create|complete|list, cortex memories add|find      (see --help)
// tail and stat read the files without opening the log for writing, so they are safe while
// another process appends; tail --follow sleeps on inotify between reads.
#include "command.h"
#include "neuromesh/cortex/index_record.h"
#include "neuromesh/cortex/netdb.h"
#include "neuromesh/cortex/redex.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <sys/inotify.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace cx = neuromesh::cortex;
namespace json = boost::json;
using neuromesh::cli::set_exit_code;

struct cortex_options {
  std::string dir, log, fsync = "never", from_text;
  bool follow = false, json = false, pinned = false;
  std::string id_text, title, content, source = "cli", status, text;
  std::vector<std::string> tags;
  std::uint64_t origin = 0;
};

int fail(const std::string& what) {
  std::cerr << "neuromesh cortex: " << what << "\n";
  set_exit_code(1);
  return 1;
}

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + std::uint64_t(c - '0');
  }
  return v;
}

void print_line(std::string_view s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

void log_append(const cortex_options& o) {
  auto policy = cx::fsync_policy::parse(o.fsync);
  if (!policy) {
    fail("--fsync: expected never, always, every:N or interval:MS, got \"" + o.fsync + "\"");
    return;
  }
  cx::redex logs(o.dir);
  cx::redex_file_config cfg;
  cfg.persistent = true;
  cfg.fsync = *policy;
  auto f = logs.open_file(cx::channel_name::parse(o.log), cfg);
  std::string line;
  while (std::getline(std::cin, line)) {
    auto seq = f->append(line);
    if (!seq) {
      fail(fmt::format("append to {}: {}", o.log, seq.error().message()));
      return;
    }
    std::printf("seq %llu\n", static_cast<unsigned long long>(*seq));
    std::fflush(stdout);
  }
  if (auto r = f->close(); !r) fail(fmt::format("close {}: {}", o.log, r.error().message()));
}

// Blocks until the log's index file changes (inotify), or returns false on error.
bool wait_for_change(int fd) {
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n > 0) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

void log_tail(const cortex_options& o) {
  std::uint64_t from = 0;
  if (!o.from_text.empty()) {
    auto v = parse_u64(o.from_text);
    if (!v) {
      fail("--from: expected a sequence number, got \"" + o.from_text + "\"");
      return;
    }
    from = *v;
  }
  auto name = cx::channel_name::parse(o.log);
  int ino = -1;
  if (o.follow) {
    ino = ::inotify_init1(IN_CLOEXEC);
    auto idx = cx::redex::file_dir(o.dir, name) / "idx";
    // Watch before the first read so no append falls between the two.
    if (ino < 0 || ::inotify_add_watch(ino, idx.c_str(), IN_MODIFY | IN_CLOSE_WRITE) < 0) {
      fail(fmt::format("--follow: cannot watch {}: no such log", idx.string()));
      if (ino >= 0) ::close(ino);
      return;
    }
  }
  for (;;) {
    for (const auto& e : cx::redex::read_files(o.dir, name, from)) {
      print_line(e.payload);
      from = e.seq + 1;
    }
    std::fflush(stdout);
    if (!o.follow || !wait_for_change(ino)) break;
  }
  if (ino >= 0) ::close(ino);
}

void log_stat(const cortex_options& o) {
  auto events = cx::redex::read_files(o.dir, cx::channel_name::parse(o.log));
  std::uint64_t bytes = 0;
  for (const auto& e : events) bytes += cx::index_record::size + e.payload.size();
  json::object out;
  out["count"] = events.size();
  out["bytes"] = bytes;
  out["first_seq"] = events.empty() ? json::value(nullptr) : json::value(events.front().seq);
  out["last_seq"] = events.empty() ? json::value(nullptr) : json::value(events.back().seq);
  print_line(json::serialize(out));
}

cx::netdb open_db(cx::redex& logs, const cortex_options& o, bool tasks) {
  auto b = cx::netdb::builder(logs).origin(o.origin).persistent(true);
  if (tasks)
    b.with_tasks();
  else
    b.with_memories();
  return b.build();
}

std::optional<std::uint64_t> id_or_fail(const cortex_options& o) {
  auto id = parse_u64(o.id_text);
  if (!id) fail("--id: expected an unsigned integer, got \"" + o.id_text + "\"");
  return id;
}

void print_seq(boost::system::result<std::uint64_t> seq, const std::string& what) {
  if (!seq) {
    fail(fmt::format("{}: {}", what, seq.error().message()));
    return;
  }
  std::printf("seq %llu\n", static_cast<unsigned long long>(*seq));
}

void tasks_create(const cortex_options& o) {
  auto id = id_or_fail(o);
  if (!id) return;
  cx::redex logs(o.dir);
  auto db = open_db(logs, o, true);
  print_seq(db.tasks().create(*id, o.title), "tasks create");
}

void tasks_complete(const cortex_options& o) {
  auto id = id_or_fail(o);
  if (!id) return;
  cx::redex logs(o.dir);
  auto db = open_db(logs, o, true);
  print_seq(db.tasks().complete(*id), fmt::format("tasks complete: task {}", *id));
}

void tasks_list(const cortex_options& o) {
  cx::task_filter f;
  if (!o.status.empty()) {
    f.status = cx::parse_task_status(o.status);
    if (!f.status) {
      fail("--status: expected pending or completed, got \"" + o.status + "\"");
      return;
    }
  }
  cx::redex logs(o.dir);
  auto db = open_db(logs, o, true);
  json::array out;
  for (const auto& t : db.tasks().find_many(f)) {
    if (!o.json) {
      print_line(fmt::format("{} {} {}", t.id, cx::to_string(t.status), t.title));
      continue;
    }
    out.push_back(json::object{{"id", t.id},
                               {"title", t.title},
                               {"status", cx::to_string(t.status)},
                               {"created_ns", t.created_ns},
                               {"updated_ns", t.updated_ns}});
  }
  if (o.json) print_line(json::serialize(out));
}

void memories_add(const cortex_options& o) {
  auto id = id_or_fail(o);
  if (!id) return;
  cx::redex logs(o.dir);
  auto db = open_db(logs, o, false);
  auto seq = db.memories().store(*id, o.content, o.tags, o.source);
  if (seq && o.pinned) seq = db.memories().pin(*id);
  print_seq(seq, "memories add");
}

void memories_find(const cortex_options& o) {
  cx::memory_filter f;
  if (!o.tags.empty()) f.all_tags = o.tags;
  if (!o.text.empty()) f.content_contains = o.text;
  cx::redex logs(o.dir);
  auto db = open_db(logs, o, false);
  json::array out;
  for (const auto& m : db.memories().find_many(f)) {
    if (!o.json) {
      print_line(fmt::format("{} {}{}", m.id, m.pinned ? "[pinned] " : "", m.content));
      continue;
    }
    json::array tags;
    for (const auto& t : m.tags) tags.emplace_back(t);
    out.push_back(json::object{{"id", m.id},
                               {"content", m.content},
                               {"tags", std::move(tags)},
                               {"source", m.source},
                               {"pinned", m.pinned},
                               {"created_ns", m.created_ns},
                               {"updated_ns", m.updated_ns}});
  }
  if (o.json) print_line(json::serialize(out));
}

// Runs fn, turning a cortex error (bad name, corrupt log, …) into one line and exit code 1.
void guarded(void (*fn)(const cortex_options&), const cortex_options& o) {
  try {
    fn(o);
  } catch (const cx::redex_error& e) {
    fail(e.what());
  } catch (const std::exception& e) {  // filesystem errors and the like
    fail(e.what());
  }
}

CLI::App* sub(CLI::App* parent, const char* name, const char* help,
              std::shared_ptr<cortex_options> o, void (*fn)(const cortex_options&)) {
  auto* c = parent->add_subcommand(name, help);
  c->add_option("--dir", o->dir, "Directory holding the logs")->required();
  c->callback([o, fn] { guarded(fn, *o); });
  return c;
}

void add_cortex(CLI::App& root) {
  auto o = std::make_shared<cortex_options>();
  auto* cortex = root.add_subcommand("cortex", "RedEX logs and CortEX tasks / memories");
  cortex->require_subcommand(1);

  auto* log = cortex->add_subcommand("log", "Append to, tail and inspect a RedEX log");
  log->require_subcommand(1);
  auto* append =
      sub(log, "append", "Append stdin lines as records; print \"seq N\" for each", o, log_append);
  append->add_option("--log", o->log, "Log (channel) name, e.g. orders/audit")->required();
  append->add_option("--fsync", o->fsync, "never | always | every:N | interval:MS");
  auto* tail = sub(log, "tail", "Print the records, one per line", o, log_tail);
  tail->add_option("--log", o->log, "Log (channel) name")->required();
  tail->add_option("--from", o->from_text, "First sequence number");
  tail->add_flag("--follow", o->follow, "Keep printing records as they are appended");
  auto* stat = sub(log, "stat", "Print count, bytes, first and last seq", o, log_stat);
  stat->add_option("--log", o->log, "Log (channel) name")->required();
  stat->add_flag("--json", o->json, "JSON output (the only form)");

  auto* tasks = cortex->add_subcommand("tasks", "The tasks model");
  tasks->require_subcommand(1);
  tasks->add_option("--origin", o->origin, "Origin stamped on events");
  auto* create = sub(tasks, "create", "Create a task", o, tasks_create);
  create->add_option("--id", o->id_text, "Task id (unsigned)")->required();
  create->add_option("--title", o->title, "Title")->required();
  auto* complete = sub(tasks, "complete", "Mark a task completed", o, tasks_complete);
  complete->add_option("--id", o->id_text, "Task id")->required();
  auto* list = sub(tasks, "list", "List tasks (id order)", o, tasks_list);
  list->add_option("--status", o->status, "pending | completed");
  list->add_flag("--json", o->json, "A JSON array of {id,title,status,created_ns,updated_ns}");

  auto* memories = cortex->add_subcommand("memories", "The memories model");
  memories->require_subcommand(1);
  memories->add_option("--origin", o->origin, "Origin stamped on events");
  auto* add = sub(memories, "add", "Store a memory", o, memories_add);
  add->add_option("--id", o->id_text, "Memory id (unsigned)")->required();
  add->add_option("--content", o->content, "Content")->required();
  add->add_option("--tag", o->tags, "A tag (repeat for more)");
  add->add_option("--source", o->source, "Who stored it (default cli)");
  add->add_flag("--pinned", o->pinned, "Pin it");
  auto* find = sub(memories, "find", "Find memories (all --tag must match; --text substring)", o,
                   memories_find);
  find->add_option("--tag", o->tags, "Required tag (repeat for more)");
  find->add_option("--text", o->text, "Substring of the content");
  find->add_flag("--json", o->json, "A JSON array of memories");
}

const neuromesh::cli::registrar reg{"cortex", 70, add_cortex};

}  // namespace
