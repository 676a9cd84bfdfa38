#include "neuromesh/cortex/netdb.h"

#include "le.h"
#include "state_codec.h"

#include <fmt/format.h>

#include <map>

namespace neuromesh::cortex {
namespace {

constexpr std::string_view magic = "NMDB";
constexpr std::uint32_t bundle_version = 1;
enum : std::uint8_t { kind_tasks = 1, kind_memories = 2 };

void add_section(std::string& out, std::uint8_t kind, const std::string& body) {
  out.push_back(static_cast<char>(kind));
  char len[4];
  detail::put_u32(len, static_cast<std::uint32_t>(body.size()));
  out.append(len, 4);
  out.append(body);
}

[[noreturn]] void bad_bundle(const std::string& why) {
  throw redex_error(errc::decode_failed, "netdb snapshot: " + why);
}

std::map<std::uint8_t, std::string_view> split_bundle(std::string_view b) {
  if (b.size() < 8 || b.substr(0, 4) != magic) bad_bundle("bundle.magic: not a NetDb snapshot");
  auto version = detail::get_u32(b.data() + 4);
  if (version != bundle_version)
    bad_bundle(
        fmt::format("bundle.version: {} is not supported (want {})", version, bundle_version));
  std::map<std::uint8_t, std::string_view> out;
  std::size_t at = 8;
  while (at < b.size()) {
    if (b.size() - at < 5) bad_bundle(fmt::format("section at byte {}: header cut short", at));
    auto kind = static_cast<std::uint8_t>(b[at]);
    auto len = detail::get_u32(b.data() + at + 1);
    at += 5;
    if (len > b.size() - at)
      bad_bundle(fmt::format("section {}: length {} runs past the bundle", kind, len));
    if (kind != kind_tasks && kind != kind_memories)
      bad_bundle(fmt::format("section.kind: unknown model {}", kind));
    if (!out.emplace(kind, b.substr(at, len)).second)
      bad_bundle(fmt::format("section.kind: model {} appears twice", kind));
    at += len;
  }
  return out;
}

}  // namespace

redex_file_config netdb_builder::file_config() const {
  redex_file_config c;
  c.persistent = persistent_;
  c.fsync = fsync_;
  return c;
}

netdb netdb_builder::build() const {
  netdb db;
  auto cfg = file_config();
  if (tasks_) {
    auto f = logs_->open_file(channel_name::parse(netdb::tasks_channel), cfg);
    db.tasks_.reset(new tasks_adapter(f, origin_, {}, 0));
  }
  if (memories_) {
    auto f = logs_->open_file(channel_name::parse(netdb::memories_channel), cfg);
    db.memories_.reset(new memories_adapter(f, origin_, {}, 0));
  }
  return db;
}

netdb netdb_builder::build_from_snapshot(std::string_view bundle) const {
  auto sections = split_bundle(bundle);
  netdb db;
  auto cfg = file_config();
  if (tasks_) {
    auto it = sections.find(kind_tasks);
    if (it == sections.end())
      throw redex_error(errc::invalid_config, "netdb snapshot: has no tasks section");
    std::vector<task> state;
    std::uint64_t position = 0;
    if (auto err = detail::decode_tasks_state(it->second, state, position); !err.empty())
      bad_bundle(err);
    auto f = logs_->open_file(channel_name::parse(netdb::tasks_channel), cfg);
    db.tasks_.reset(
        new tasks_adapter(f, origin_, std::move(state), std::min(position, f->next_seq())));
  }
  if (memories_) {
    auto it = sections.find(kind_memories);
    if (it == sections.end())
      throw redex_error(errc::invalid_config, "netdb snapshot: has no memories section");
    std::vector<memory> state;
    std::uint64_t position = 0;
    if (auto err = detail::decode_memories_state(it->second, state, position); !err.empty())
      bad_bundle(err);
    auto f = logs_->open_file(channel_name::parse(netdb::memories_channel), cfg);
    db.memories_.reset(
        new memories_adapter(f, origin_, std::move(state), std::min(position, f->next_seq())));
  }
  return db;
}

netdb::netdb(netdb&&) noexcept = default;
netdb& netdb::operator=(netdb&&) noexcept = default;
netdb::~netdb() = default;

tasks_adapter& netdb::tasks() const {
  if (!tasks_) throw redex_error(errc::invalid_config, "netdb: built without with_tasks()");
  return *tasks_;
}

memories_adapter& netdb::memories() const {
  if (!memories_) throw redex_error(errc::invalid_config, "netdb: built without with_memories()");
  return *memories_;
}

std::string netdb::snapshot() const {
  std::string out(magic);
  char v[4];
  detail::put_u32(v, bundle_version);
  out.append(v, 4);
  if (tasks_) add_section(out, kind_tasks, tasks_->encode_state());
  if (memories_) add_section(out, kind_memories, memories_->encode_state());
  return out;
}

}  // namespace neuromesh::cortex
