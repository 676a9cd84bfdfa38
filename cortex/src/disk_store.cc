#include "disk_store.h"

#include "le.h"
#include "neuromesh/cortex/errc.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <limits>

namespace neuromesh::cortex::detail {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t max_dat_size = std::numeric_limits<std::uint32_t>::max();

[[noreturn]] void fail_io(const fs::path& p, const char* what) {
  throw redex_error(errc::io_error,
                    fmt::format("redex: {} {}: {}", what, p.string(), std::strerror(errno)));
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::string s;
  in.seekg(0, std::ios::end);
  auto size = in.tellg();
  if (size <= 0) return {};
  s.resize(static_cast<std::size_t>(size));
  in.seekg(0);
  in.read(s.data(), size);
  if (!in) fail_io(p, "cannot read");
  return s;
}

void truncate_file(const fs::path& p, std::uint64_t size) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail_io(p, "cannot open for truncation");
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0 || ::fsync(fd) != 0) {
    ::close(fd);
    fail_io(p, "cannot truncate");
  }
  ::close(fd);
}

// Whether record r, read on its own, is intact against dat (flags known, payload in bounds,
// checksum matches). Used to tell a torn tail from damage with good records after it.
std::optional<std::string> check_record(const index_record& r, const std::string& dat) {
  std::uint32_t unknown = r.flags() & ~(index_record::flag_inline | index_record::flag_tombstone);
  if (unknown) return fmt::format("unknown flag bits 0x{:08x}", unknown);
  std::string_view payload;
  std::array<char, index_record::inline_size> inl{};
  if (r.is_inline()) {
    inl = r.inline_payload();
    payload = {inl.data(), inl.size()};
  } else {
    if (std::uint64_t(r.offset) + r.len > dat.size())
      return fmt::format("payload [{}, +{}) runs past dat ({} bytes)", r.offset, r.len, dat.size());
    payload = std::string_view(dat).substr(r.offset, r.len);
  }
  if (r.is_tombstone() && payload.size() != 8)
    return fmt::format("tombstone payload is {} bytes, not 8", payload.size());
  if (payload_checksum(payload) != r.checksum())
    return fmt::format("checksum 0x{:07x} does not match payload (0x{:07x})", r.checksum(),
                       payload_checksum(payload));
  return std::nullopt;
}

int open_append(const fs::path& p) {
  int fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail_io(p, "cannot open");
  return fd;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    auto w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

boost::system::error_code io_error() { return make_error_code(errc::io_error); }

}  // namespace

recovery recover_files(const fs::path& dir, bool repair) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw redex_error(errc::io_error,
                      fmt::format("redex: cannot create {}: {}", dir.string(), ec.message()));
  auto idx_path = dir / "idx", dat_path = dir / "dat", ts_path = dir / "ts";
  std::string idx = slurp(idx_path), dat = slurp(dat_path), ts = slurp(ts_path);

  recovery out;
  std::size_t whole = idx.size() / index_record::size;
  bool torn_idx = idx.size() % index_record::size != 0;
  if (torn_idx) ++out.truncated;

  // Walk the records in order: seqs consecutive, heap payloads contiguous in dat, checksums.
  std::vector<index_record> recs;
  recs.reserve(whole);
  for (std::size_t i = 0; i < whole; ++i)
    recs.push_back(index_record::decode(idx.data() + i * index_record::size));
  std::size_t good = 0;
  std::uint64_t dat_end = 0;
  std::string why;
  for (; good < recs.size(); ++good) {
    const auto& r = recs[good];
    if (good > 0 && r.seq != recs[good - 1].seq + 1) {
      why = fmt::format("seq {} follows seq {}", r.seq, recs[good - 1].seq);
      break;
    }
    if (!r.is_inline() && r.offset != dat_end) {
      why = fmt::format("payload offset {} where {} was expected", r.offset, dat_end);
      break;
    }
    if (auto bad = check_record(r, dat)) {
      why = *bad;
      break;
    }
    if (!r.is_inline()) dat_end += r.len;
  }
  if (good < recs.size()) {
    // A torn tail has no intact record after its first damaged one.
    for (std::size_t j = good + 1; j < recs.size(); ++j) {
      std::uint64_t want_seq = good > 0 ? recs[good - 1].seq + 1 + (j - good) : j;
      if (!check_record(recs[j], dat) && recs[j].seq == want_seq &&
          (recs[j].len > 0 || recs[j].is_inline())) {
        throw redex_error(
            errc::corrupt,
            fmt::format("redex: {}: record {} (seq {}) is damaged ({}) but record {} after it "
                        "is intact; refusing to truncate",
                        idx_path.string(), good, recs[good].seq, why, j));
      }
    }
    out.truncated += recs.size() - good;
    recs.resize(good);
  }
  std::size_t ts_count = ts.size() / 8;
  auto now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  out.records.reserve(recs.size());
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const auto& r = recs[i];
    recovered_record rr{r.seq, i < ts_count ? get_u64(ts.data() + i * 8) : now, r.flags(), {}};
    if (r.is_inline()) {
      auto p = r.inline_payload();
      rr.payload.assign(p.data(), p.size());
    } else {
      rr.payload.assign(dat, r.offset, r.len);
    }
    out.records.push_back(std::move(rr));
  }

  if (!repair) return out;
  std::uint64_t idx_want = recs.size() * index_record::size;
  if (idx.size() != idx_want && fs::exists(idx_path)) truncate_file(idx_path, idx_want);
  if (dat.size() != dat_end && fs::exists(dat_path)) truncate_file(dat_path, dat_end);
  if (ts_count != recs.size() || ts.size() % 8 != 0) {
    // Keep the timestamps we have; add `now` for records whose ts write was lost.
    std::size_t keep = std::min(ts_count, recs.size());
    if (fs::exists(ts_path)) truncate_file(ts_path, keep * 8);
    if (keep < recs.size()) {
      int fd = open_append(ts_path);
      std::string add((recs.size() - keep) * 8, '\0');
      for (std::size_t i = keep; i < recs.size(); ++i)
        put_u64(add.data() + (i - keep) * 8, out.records[i].ts_ns);
      bool ok = write_all(fd, add.data(), add.size()) && ::fsync(fd) == 0;
      ::close(fd);
      if (!ok) fail_io(ts_path, "cannot repair");
    }
  }
  return out;
}

disk_store::disk_store(const fs::path& dir, fsync_policy policy) : dir_(dir), policy_(policy) {
  dat_fd_ = open_append(dir / "dat");
  idx_fd_ = open_append(dir / "idx");
  ts_fd_ = open_append(dir / "ts");
  struct stat st {};
  if (::fstat(dat_fd_, &st) != 0) fail_io(dir / "dat", "cannot stat");
  dat_size_ = static_cast<std::uint64_t>(st.st_size);
  if (policy_.mode == fsync_policy::kind::interval)
    interval_ = std::thread(&disk_store::interval_loop, this);
}

disk_store::~disk_store() { (void)close(); }

boost::system::result<void> disk_store::append(std::span<const pending_record> records) {
  if (dat_fd_ < 0) return make_error_code(errc::closed);
  std::uint64_t dat_bytes = 0;
  for (auto& r : records)
    if (r.payload.size() != index_record::inline_size) dat_bytes += r.payload.size();
  if (dat_size_ + dat_bytes > max_dat_size) return make_error_code(errc::log_full);

  // One buffer: dat bytes, then idx records, then timestamps.
  std::size_t idx_bytes = records.size() * index_record::size, ts_bytes = records.size() * 8;
  scratch_.resize(dat_bytes + idx_bytes + ts_bytes);
  char* dat = scratch_.data();
  char* idx = dat + dat_bytes;
  char* ts = idx + idx_bytes;
  std::uint64_t off = dat_size_;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    index_record rec;
    if (r.payload.size() == index_record::inline_size) {
      rec = index_record::make_inline(r.seq, r.payload, r.flags);
    } else {
      rec = index_record::heap(r.seq, static_cast<std::uint32_t>(off), r.payload, r.flags);
      std::memcpy(dat, r.payload.data(), r.payload.size());
      dat += r.payload.size();
      off += r.payload.size();
    }
    auto bytes = rec.encode();
    std::memcpy(idx + i * index_record::size, bytes.data(), bytes.size());
    put_u64(ts + i * 8, r.ts_ns);
  }
  const char* base = scratch_.data();
  if (dat_bytes && !write_all(dat_fd_, base, dat_bytes)) return io_error();
  dat_size_ += dat_bytes;
  if (!write_all(idx_fd_, base + dat_bytes, idx_bytes)) return io_error();
  if (!write_all(ts_fd_, base + dat_bytes + idx_bytes, ts_bytes)) return io_error();
  dirty_.store(true, std::memory_order_relaxed);
  if (policy_.mode == fsync_policy::kind::every_n) {
    unsynced_ += records.size();
    if (unsynced_ >= policy_.n) {
      unsynced_ = 0;
      return sync();
    }
  }
  return {};
}

boost::system::result<void> disk_store::sync() {
  std::lock_guard lk(sync_mu_);
  return sync_locked();
}

boost::system::result<void> disk_store::sync_locked() {
  if (dat_fd_ < 0) return {};
  dirty_.store(false, std::memory_order_relaxed);
  // Same order as the writes: a crash mid-sync leaves at worst a torn tail.
  for (int fd : {dat_fd_, idx_fd_, ts_fd_})
    if (::fdatasync(fd) != 0) return io_error();
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

void disk_store::interval_loop() {
  std::unique_lock lk(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lk, policy_.period, [&] { return stopping_; });
    if (stopping_) break;
    if (dirty_.load(std::memory_order_relaxed)) {
      lk.unlock();
      (void)sync();
      lk.lock();
    }
  }
}

boost::system::result<void> disk_store::close() {
  if (interval_.joinable()) {
    {
      std::lock_guard lk(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    interval_.join();
  }
  std::lock_guard lk(sync_mu_);
  if (dat_fd_ < 0) return {};
  auto r = sync_locked();
  for (int* fd : {&dat_fd_, &idx_fd_, &ts_fd_}) {
    ::close(*fd);
    *fd = -1;
  }
  return r;
}

}  // namespace neuromesh::cortex::detail
