#include "neuromesh/bus/redis_adapter.h"

#include "neuromesh/bus/envelope.h"
#include "neuromesh/bus/errc.h"
#include "neuromesh/bus/error.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <mutex>

namespace neuromesh::bus {

namespace {

using clock = std::chrono::steady_clock;

timeval to_timeval(std::chrono::milliseconds ms) {
  ms = std::max(ms, std::chrono::milliseconds(1));
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

boost::system::error_code transient() { return make_error_code(errc::adapter_transient); }
boost::system::error_code fatal() { return make_error_code(errc::adapter_fatal); }

}  // namespace

struct redis_adapter::connection {
  std::mutex mu;
  redisContext* ctx = nullptr;

  ~connection() { reset(); }
  void reset() {
    if (ctx) redisFree(ctx);
    ctx = nullptr;
  }
  // Reads one reply; on an I/O error the connection is dropped (reconnected next time).
  reply_ptr get_reply() {
    void* r = nullptr;
    if (redisGetReply(ctx, &r) != REDIS_OK) {
      reset();
      return nullptr;
    }
    return reply_ptr(static_cast<redisReply*>(r));
  }
  reply_ptr command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      reset();
      return nullptr;
    }
    return get_reply();
  }
};

std::string redis_stream_key(std::string_view prefix, std::uint16_t shard) {
  return fmt::format("{}:shard:{}", prefix, shard);
}

redis_adapter::redis_adapter(redis_adapter_config config)
    : config_(std::move(config)), reader_(std::make_unique<connection>()) {
  std::string_view u = config_.url;
  if (!u.starts_with("redis://")) {
    throw config_error("redis url must start with redis://, got '" + config_.url + "'");
  }
  u.remove_prefix(8);
  if (auto at = u.rfind('@'); at != std::string_view::npos) u.remove_prefix(at + 1);
  if (auto slash = u.find('/'); slash != std::string_view::npos) u = u.substr(0, slash);
  auto colon = u.rfind(':');
  host_ = std::string(u.substr(0, colon));
  if (colon != std::string_view::npos) {
    auto p = u.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port_);
    if (ec != std::errc() || end != p.data() + p.size() || port_ <= 0 || port_ > 65535) {
      throw config_error("redis url port is not a number in 1..65535: '" + config_.url + "'");
    }
  }
  if (host_.empty()) throw config_error("redis url has no host: '" + config_.url + "'");
}

redis_adapter::~redis_adapter() = default;

boost::system::result<void> redis_adapter::ensure_connected(
    connection& c, std::chrono::milliseconds timeout) const {
  if (!c.ctx) {
    c.ctx = redisConnectWithTimeout(host_.c_str(), port_, to_timeval(config_.connect_timeout));
    if (!c.ctx || c.ctx->err) {
      c.reset();
      return transient();
    }
  }
  if (redisSetTimeout(c.ctx, to_timeval(timeout)) != REDIS_OK) {
    c.reset();
    return transient();
  }
  return {};
}

boost::system::result<void> redis_adapter::init(std::uint16_t shards) {
  writers_.clear();
  for (std::uint16_t i = 0; i < shards; ++i) writers_.push_back(std::make_unique<connection>());
  std::lock_guard lk(reader_->mu);
  if (auto r = ensure_connected(*reader_, config_.command_timeout); !r) return r;
  auto pong = reader_->command({"PING"});
  healthy_.store(pong != nullptr, std::memory_order_relaxed);
  return pong ? boost::system::result<void>() : transient();
}

boost::system::result<void> redis_adapter::on_batch(
    const batch& b, std::chrono::steady_clock::time_point deadline) {
  if (b.shard_id >= writers_.size()) return make_error_code(errc::unrouted);
  auto& c = *writers_[b.shard_id];
  std::lock_guard lk(c.mu);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  if (left.count() <= 0) return make_error_code(errc::timeout);
  if (auto r = ensure_connected(c, std::min(left, config_.command_timeout)); !r) {
    healthy_.store(false, std::memory_order_relaxed);
    return r;
  }
  const std::string key = redis_stream_key(config_.prefix, b.shard_id);
  const std::string maxlen = config_.max_stream_len ? std::to_string(*config_.max_stream_len) : "";
  // Pipeline: MULTI, one XADD per event, EXEC, then read every reply.
  const char* multi = "MULTI";
  std::size_t multi_len = 5;
  redisAppendCommandArgv(c.ctx, 1, &multi, &multi_len);
  std::string env, id;
  for (std::size_t i = 0; i < b.events.size(); ++i) {
    env.clear();
    id.clear();
    append_envelope(b.events[i].insertion_ts, b.shard_id, b.events[i].payload.str(), env);
    append_dedup_id(b, i, id);
    const char* argv[10];
    std::size_t lens[10];
    int n = 0;
    auto arg = [&](std::string_view s) {
      argv[n] = s.data();
      lens[n++] = s.size();
    };
    arg("XADD");
    arg(key);
    if (config_.max_stream_len) {
      arg("MAXLEN");
      arg("~");
      arg(maxlen);
    }
    arg("*");
    arg("d");
    arg(env);
    arg("dedup_id");
    arg(id);
    redisAppendCommandArgv(c.ctx, n, argv, lens);
  }
  const char* exec = "EXEC";
  std::size_t exec_len = 4;
  redisAppendCommandArgv(c.ctx, 1, &exec, &exec_len);
  bool error_reply = false;
  for (std::size_t i = 0; i < b.events.size() + 1; ++i) {
    auto r = c.get_reply();
    if (!r) {
      healthy_.store(false, std::memory_order_relaxed);
      return transient();
    }
    if (r->type == REDIS_REPLY_ERROR) error_reply = true;
  }
  auto r = c.get_reply();
  if (!r) {
    healthy_.store(false, std::memory_order_relaxed);
    return transient();
  }
  healthy_.store(true, std::memory_order_relaxed);
  if (error_reply || r->type != REDIS_REPLY_ARRAY) return fatal();
  for (std::size_t i = 0; i < r->elements; ++i) {
    if (r->element[i]->type == REDIS_REPLY_ERROR) return fatal();
  }
  return {};
}

// Runs a read on the shared read connection; a connection that died since its last use is
// noticed by the first attempt and replaced by the second.
boost::system::result<std::shared_ptr<redisReply>> redis_adapter::read_command(
    const std::vector<std::string>& args) {
  std::lock_guard lk(reader_->mu);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (auto r = ensure_connected(*reader_, config_.command_timeout); !r) return r.error();
    if (auto reply = reader_->command(args)) return std::shared_ptr<redisReply>(std::move(reply));
  }
  return transient();
}

boost::system::result<shard_page> redis_adapter::poll_shard(std::uint16_t shard,
                                                            std::string_view after_id,
                                                            std::size_t limit) {
  std::string start(1, after_id.empty() ? '-' : '(');
  start.append(after_id);
  auto r = read_command({"XRANGE", redis_stream_key(config_.prefix, shard), start, "+", "COUNT",
                         std::to_string(limit + 1)});
  if (!r) return r.error();
  const redisReply* reply = r.value().get();
  if (reply->type == REDIS_REPLY_ERROR) return fatal();
  shard_page page;
  if (reply->type != REDIS_REPLY_ARRAY) return page;
  for (std::size_t i = 0; i < reply->elements; ++i) {
    if (page.events.size() == limit) {
      page.has_more = true;
      break;
    }
    const redisReply* entry = reply->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) continue;
    event e;
    e.shard_id = shard;
    e.id.assign(entry->element[0]->str, entry->element[0]->len);
    const redisReply* fields = entry->element[1];
    for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
      std::string_view name(fields->element[f]->str, fields->element[f]->len);
      std::string_view value(fields->element[f + 1]->str, fields->element[f + 1]->len);
      if (name == "d") {
        if (auto env = decode_envelope(value)) {
          e.insertion_ts = env->insertion_ts;
          e.payload = raw_event::copy_of(env->payload);
        } else {
          e.payload = raw_event::copy_of(value);  // written by someone else: keep it as is
        }
      } else if (name == "dedup_id") {
        e.dedup_id = std::string(value);
      }
    }
    page.events.push_back(std::move(e));
  }
  return page;
}

boost::system::result<std::string> redis_adapter::last_id(std::uint16_t shard) {
  auto r =
      read_command({"XREVRANGE", redis_stream_key(config_.prefix, shard), "+", "-", "COUNT", "1"});
  if (!r) return r.error();
  const redisReply* reply = r.value().get();
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) return std::string();
  const redisReply* entry = reply->element[0];
  return std::string(entry->element[0]->str, entry->element[0]->len);
}

void redis_adapter::shutdown() {
  for (auto& w : writers_) {
    std::lock_guard lk(w->mu);
    w->reset();
  }
  std::lock_guard lk(reader_->mu);
  reader_->reset();
}

}  // namespace neuromesh::bus
