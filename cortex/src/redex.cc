#include "neuromesh/cortex/redex.h"

#include "file_state.h"
#include "le.h"
#include "neuromesh/cortex/errc.h"
#include "neuromesh/cortex/index_record.h"

#include <fmt/format.h>

#include <set>

namespace neuromesh::cortex {

redex::redex() = default;
redex::redex(std::filesystem::path dir) : dir_(std::move(dir)) {}
redex::~redex() { close_all(); }

std::filesystem::path redex::file_dir(const std::filesystem::path& base, const channel_name& name) {
  return base / name.str();
}

std::vector<redex_event> redex::read_files(const std::filesystem::path& base,
                                           const channel_name& name, std::uint64_t from) {
  auto dir = file_dir(base, name);
  if (!std::filesystem::exists(dir / "idx"))
    throw redex_error(errc::not_found,
                      fmt::format("redex: no log \"{}\" in {}", name.str(), base.string()));
  auto rec = detail::recover_files(dir, false);
  std::set<std::uint64_t> deleted;
  for (const auto& r : rec.records)
    if ((r.flags & index_record::flag_tombstone) && r.payload.size() == 8)
      deleted.insert(detail::get_u64(r.payload.data()));
  std::vector<redex_event> out;
  for (auto& r : rec.records) {
    if (r.seq < from || (r.flags & index_record::flag_tombstone) || deleted.count(r.seq)) continue;
    out.push_back({r.seq, r.ts_ns, std::move(r.payload), false});
  }
  return out;
}

std::shared_ptr<redex_file> redex::open_file(const channel_name& name,
                                             const redex_file_config& config) {
  std::lock_guard lk(mu_);
  if (auto it = files_.find(name.str()); it != files_.end()) {
    if (it->second->config() == config) return it->second;
    throw redex_error(
        errc::config_mismatch,
        fmt::format("redex: \"{}\" is already open with another configuration", name.str()));
  }
  if (config.persistent && !dir_)
    throw redex_error(
        errc::invalid_config,
        fmt::format("redex: \"{}\" is persistent but the manager has no directory", name.str()));
  if (config.fsync.mode == fsync_policy::kind::interval && config.fsync.period.count() <= 0)
    throw redex_error(errc::invalid_config, "redex: fsync interval must be at least 1 ms");
  std::optional<std::filesystem::path> disk;
  if (config.persistent) disk = file_dir(*dir_, name);
  auto state = std::make_shared<detail::file_state>(name, config, disk);
  std::shared_ptr<redex_file> f(new redex_file(std::move(state)));
  files_.emplace(name.str(), f);
  return f;
}

std::shared_ptr<redex_file> redex::find(const channel_name& name) const {
  std::lock_guard lk(mu_);
  auto it = files_.find(name.str());
  return it == files_.end() ? nullptr : it->second;
}

std::vector<std::string> redex::open_names() const {
  std::lock_guard lk(mu_);
  std::vector<std::string> out;
  for (auto& [n, f] : files_) out.push_back(n);
  return out;
}

void redex::close_file(const channel_name& name) {
  std::shared_ptr<redex_file> f;
  {
    std::lock_guard lk(mu_);
    auto it = files_.find(name.str());
    if (it == files_.end()) return;
    f = std::move(it->second);
    files_.erase(it);
  }
  (void)f->close();
}

void redex::close_all() {
  std::map<std::string, std::shared_ptr<redex_file>> files;
  {
    std::lock_guard lk(mu_);
    files.swap(files_);
  }
  for (auto& [n, f] : files) (void)f->close();
}

}  // namespace neuromesh::cortex
