#include "neuromesh/bus/jetstream_adapter.h"

#include "neuromesh/bus/envelope.h"
#include "neuromesh/bus/errc.h"

#include <fmt/format.h>
#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <charconv>

namespace neuromesh::bus {

namespace {

using clock = std::chrono::steady_clock;

boost::system::error_code map_status(natsStatus s) {
  switch (s) {
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
    case NATS_ILLEGAL_STATE:
      return make_error_code(errc::adapter_fatal);
    case NATS_TIMEOUT:
      return make_error_code(errc::timeout);
    default:
      return make_error_code(errc::adapter_transient);
  }
}

// A JetStream context whose async-publish failures are counted for the batch in flight.
struct shard_ctx {
  std::mutex mu;
  jsCtx* js = nullptr;
  std::atomic<int> failed{0};
  ~shard_ctx() {
    if (js) jsCtx_Destroy(js);
  }
};

void on_publish_error(jsCtx*, jsPubAckErr* pae, void* closure) {
  static_cast<shard_ctx*>(closure)->failed.fetch_add(1);
  (void)pae;  // the library destroys pae->Msg after the callback
}

}  // namespace

struct jetstream_adapter::state {
  std::mutex mu;  // guards conn and reader
  natsConnection* conn = nullptr;
  jsCtx* reader = nullptr;
  std::vector<std::unique_ptr<shard_ctx>> shards;
  bool streams_ready = false;

  ~state() {
    shards.clear();
    if (reader) jsCtx_Destroy(reader);
    if (conn) natsConnection_Destroy(conn);
  }
};

std::string jetstream_stream_name(std::string_view prefix, std::uint16_t shard) {
  return fmt::format("{}_shard_{}", prefix, shard);
}
std::string jetstream_subject(std::string_view prefix, std::uint16_t shard) {
  return fmt::format("{}.shard.{}", prefix, shard);
}

jetstream_adapter::jetstream_adapter(jetstream_adapter_config config)
    : state_(std::make_unique<state>()), config_(std::move(config)) {}

jetstream_adapter::~jetstream_adapter() { shutdown(); }

boost::system::result<void> jetstream_adapter::connect_locked() {
  auto& st = *state_;
  if (!st.conn) {
    natsOptions* opts = nullptr;
    natsOptions_Create(&opts);
    natsOptions_SetURL(opts, config_.url.c_str());
    natsOptions_SetTimeout(opts, config_.connect_timeout.count());
    natsOptions_SetAllowReconnect(opts, true);
    natsOptions_SetMaxReconnect(opts, -1);
    natsOptions_SetReconnectWait(opts, 50);
    natsStatus s = natsConnection_Connect(&st.conn, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK) {
      st.conn = nullptr;
      return map_status(s);
    }
    natsConnection_JetStream(&st.reader, st.conn, nullptr);
    for (auto& sc : st.shards) {
      jsOptions jo;
      jsOptions_Init(&jo);
      jo.PublishAsync.ErrHandler = on_publish_error;
      jo.PublishAsync.ErrHandlerClosure = sc.get();
      jo.PublishAsync.MaxPending = 100'000;
      natsConnection_JetStream(&sc->js, st.conn, &jo);
    }
  }
  if (!st.streams_ready) {
    for (std::uint16_t i = 0; i < shards_; ++i) {
      auto name = jetstream_stream_name(config_.prefix, i);
      auto subject = jetstream_subject(config_.prefix, i);
      jsStreamInfo* si = nullptr;
      jsErrCode jerr = static_cast<jsErrCode>(0);
      natsStatus s = js_GetStreamInfo(&si, st.reader, name.c_str(), nullptr, &jerr);
      if (s == NATS_OK) {
        jsStreamInfo_Destroy(si);
        continue;
      }
      if (s != NATS_NOT_FOUND) return map_status(s);
      jsStreamConfig sc;
      jsStreamConfig_Init(&sc);
      sc.Name = name.c_str();
      const char* subjects[] = {subject.c_str()};
      sc.Subjects = subjects;
      sc.SubjectsLen = 1;
      sc.Storage = js_FileStorage;
      sc.Retention = js_LimitsPolicy;
      sc.Discard = js_DiscardOld;
      sc.Replicas = 1;
      sc.AllowDirect = true;
      sc.Duplicates =
          std::chrono::duration_cast<std::chrono::nanoseconds>(config_.duplicate_window).count();
      if (config_.max_messages) sc.MaxMsgs = *config_.max_messages;
      s = js_AddStream(&si, st.reader, &sc, nullptr, &jerr);
      if (s != NATS_OK) {
        spdlog::warn("bus: jetstream add stream {} failed: {} ({})", name, natsStatus_GetText(s),
                     static_cast<int>(jerr));
        return map_status(s);
      }
      jsStreamInfo_Destroy(si);
    }
    st.streams_ready = true;
  }
  return {};
}

boost::system::result<void> jetstream_adapter::init(std::uint16_t shards) {
  std::lock_guard lk(state_->mu);
  shards_ = shards;
  state_->shards.clear();
  for (std::uint16_t i = 0; i < shards; ++i)
    state_->shards.push_back(std::make_unique<shard_ctx>());
  auto r = connect_locked();
  healthy_.store(bool(r), std::memory_order_relaxed);
  return r;
}

boost::system::result<void> jetstream_adapter::on_batch(
    const batch& b, std::chrono::steady_clock::time_point deadline) {
  if (b.shard_id >= shards_) return make_error_code(errc::unrouted);
  {
    std::lock_guard lk(state_->mu);
    if (auto r = connect_locked(); !r) {
      healthy_.store(false, std::memory_order_relaxed);
      return r;
    }
  }
  auto& sc = *state_->shards[b.shard_id];
  std::lock_guard lk(sc.mu);
  sc.failed.store(0);
  const std::string subject = jetstream_subject(config_.prefix, b.shard_id);
  std::string env, id;
  for (std::size_t i = 0; i < b.events.size(); ++i) {
    env.clear();
    id.clear();
    append_envelope(b.events[i].insertion_ts, b.shard_id, b.events[i].payload.str(), env);
    append_dedup_id(b, i, id);
    natsMsg* msg = nullptr;
    natsStatus s =
        natsMsg_Create(&msg, subject.c_str(), nullptr, env.data(), static_cast<int>(env.size()));
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Nats-Msg-Id", id.c_str());
    if (s == NATS_OK) s = js_PublishMsgAsync(sc.js, &msg, nullptr);
    if (msg) natsMsg_Destroy(msg);  // still ours only when the publish was refused
    if (s != NATS_OK) {
      healthy_.store(false, std::memory_order_relaxed);
      return map_status(s);
    }
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = std::max<std::int64_t>(1, std::min(left, config_.ack_timeout).count());
  natsStatus s = js_PublishAsyncComplete(sc.js, &po);
  if (s != NATS_OK) {
    // Forget what is still pending: the retry republishes the batch with the same ids.
    natsMsgList pending;
    if (js_PublishAsyncGetPendingList(&pending, sc.js) == NATS_OK) natsMsgList_Destroy(&pending);
    healthy_.store(false, std::memory_order_relaxed);
    return map_status(s);
  }
  if (sc.failed.load() > 0) {
    healthy_.store(false, std::memory_order_relaxed);
    return make_error_code(errc::adapter_transient);
  }
  healthy_.store(true, std::memory_order_relaxed);
  return {};
}

boost::system::result<shard_page> jetstream_adapter::poll_shard(std::uint16_t shard,
                                                                std::string_view after_id,
                                                                std::size_t limit) {
  std::lock_guard lk(state_->mu);
  if (auto r = connect_locked(); !r) return r.error();
  std::uint64_t seq = 0;
  if (!after_id.empty()) {
    auto [p, ec] = std::from_chars(after_id.data(), after_id.data() + after_id.size(), seq);
    if (ec != std::errc() || p != after_id.data() + after_id.size()) {
      return make_error_code(errc::invalid_cursor);
    }
  }
  const auto stream = jetstream_stream_name(config_.prefix, shard);
  const auto subject = jetstream_subject(config_.prefix, shard);
  shard_page page;
  while (page.events.size() <= limit) {
    jsDirectGetMsgOptions dg;
    jsDirectGetMsgOptions_Init(&dg);
    dg.Sequence = seq + 1;
    dg.NextBySubject = subject.c_str();
    natsMsg* msg = nullptr;
    natsStatus s = js_DirectGetMsg(&msg, state_->reader, stream.c_str(), nullptr, &dg);
    if (s == NATS_NOT_FOUND) break;
    if (s != NATS_OK) return map_status(s);
    if (page.events.size() == limit) {
      page.has_more = true;
      natsMsg_Destroy(msg);
      break;
    }
    const char* hseq = nullptr;
    if (natsMsgHeader_Get(msg, "Nats-Sequence", &hseq) != NATS_OK || !hseq) {
      natsMsg_Destroy(msg);
      return make_error_code(errc::decode_failed);
    }
    seq = std::strtoull(hseq, nullptr, 10);
    event e;
    e.shard_id = shard;
    e.id = hseq;
    const char* msg_id = nullptr;
    if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &msg_id) == NATS_OK && msg_id) e.dedup_id = msg_id;
    std::string_view body(natsMsg_GetData(msg),
                          static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    if (auto env = decode_envelope(body)) {
      e.insertion_ts = env->insertion_ts;
      e.payload = raw_event::copy_of(env->payload);
    } else {
      e.payload = raw_event::copy_of(body);
    }
    natsMsg_Destroy(msg);
    page.events.push_back(std::move(e));
  }
  return page;
}

boost::system::result<std::string> jetstream_adapter::last_id(std::uint16_t shard) {
  std::lock_guard lk(state_->mu);
  if (auto r = connect_locked(); !r) return r.error();
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  auto name = jetstream_stream_name(config_.prefix, shard);
  natsStatus s = js_GetStreamInfo(&si, state_->reader, name.c_str(), nullptr, &jerr);
  if (s != NATS_OK) return map_status(s);
  std::uint64_t last = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  return last == 0 ? std::string() : std::to_string(last);
}

void jetstream_adapter::shutdown() {
  std::lock_guard lk(state_->mu);
  state_->shards.clear();
  if (state_->reader) jsCtx_Destroy(state_->reader);
  state_->reader = nullptr;
  if (state_->conn) natsConnection_Destroy(state_->conn);
  state_->conn = nullptr;
  state_->streams_ready = false;
}

}  // namespace neuromesh::bus
