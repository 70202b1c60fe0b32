#include "fetch/cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "error.hpp"
#include "fetch/uri.hpp"
#include "log.hpp"

namespace dc::fetch {
namespace fs = std::filesystem;
namespace {

void make_dir(const std::string& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw Error("cannot create the fetch cache " + dir + ": " + error.message());
}

// flock()s the lock file at `path`, making it when missing. An evicting
// process unlinks a lock file while holding it: a lock won on an unlinked
// file guards nothing, so it is taken again on the file now at `path`.
// Returns -1 when `wait` is false and someone else holds it.
int lock(const std::string& path, int mode, bool wait = true) {
  for (;;) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw Error("cannot open " + path + ": " + strerror(errno));
    int got;
    while ((got = ::flock(fd, mode | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR) {
    }
    if (got != 0) {
      ::close(fd);
      if (errno == EWOULDBLOCK && !wait) return -1;
      throw Error("cannot lock " + path + ": " + strerror(errno));
    }
    struct stat held, current;
    if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &current) == 0 && held.st_ino == current.st_ino) return fd;
    ::close(fd);
  }
}

int open_entry(const std::string& path) { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }

struct Entry {
  std::string key;
  uint64_t size;
  struct timespec used;
};

std::vector<Entry> entries_of(const std::string& dir) {
  std::vector<Entry> entries;
  std::error_code error;
  for (const auto& item : fs::directory_iterator(dir, error)) {
    struct stat info;
    if (::stat(item.path().c_str(), &info) == 0 && S_ISREG(info.st_mode))
      entries.push_back({item.path().filename(), static_cast<uint64_t>(info.st_size), info.st_mtim});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.used.tv_sec != b.used.tv_sec ? a.used.tv_sec < b.used.tv_sec : a.used.tv_nsec < b.used.tv_nsec;
  });
  return entries;
}

}  // namespace

Held::Held(int lock_fd, int fd, std::string unlink_path, bool hit)
    : lock_fd_(lock_fd), fd_(fd), unlink_path_(std::move(unlink_path)), hit_(hit) {}

Held::Held(Held&& other) noexcept
    : lock_fd_(other.lock_fd_), fd_(other.fd_), unlink_path_(std::move(other.unlink_path_)), hit_(other.hit_) {
  other.lock_fd_ = other.fd_ = -1;
  other.unlink_path_.clear();
}

Held::~Held() {
  if (!unlink_path_.empty()) ::unlink(unlink_path_.c_str());
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Cache::Cache(std::string dir, uint64_t limit_bytes) : dir_(std::move(dir)), limit_(limit_bytes) {
  for (const char* sub : {"/entries", "/locks", "/partial"}) make_dir(dir_ + sub);
}

Held Cache::get(const std::string& value, const std::function<void(const std::string& path)>& download) {
  const std::string key = cache_key(value);
  const std::string entry = dir_ + "/entries/" + key;
  const std::string lock_path = dir_ + "/locks/" + key;
  // Shared first: when the entry is there (the common case), every launch
  // reads it at once. Else exclusive, and the first to get it downloads
  // while the others wait for its entry.
  for (int mode : {LOCK_SH, LOCK_EX}) {
    int lock_fd = lock(lock_path, mode);
    int fd = open_entry(entry);
    if (fd >= 0) {
      ::futimens(fd, nullptr);  // the last use, for eviction
      return Held(lock_fd, fd, "", true);
    }
    if (mode == LOCK_SH) {
      ::close(lock_fd);
      continue;
    }
    const std::string partial = dir_ + "/partial/" + key + "." + std::to_string(::getpid());
    ::unlink(partial.c_str());  // a crashed download's leftover under a reused pid
    try {
      download(partial);
    } catch (...) {
      ::close(lock_fd);
      throw;
    }
    struct stat info;
    if (::stat(partial.c_str(), &info) == 0 && static_cast<uint64_t>(info.st_size) > limit_) {
      spdlog::info("{}: {} bytes, more than the whole cache (CONTAINERIZER_FETCH_CACHE_SIZE): not cached", value,
                   info.st_size);
      return Held(lock_fd, open_entry(partial), partial, false);
    }
    if (::rename(partial.c_str(), entry.c_str()) != 0) {
      ::unlink(partial.c_str());
      ::close(lock_fd);
      throw Error("cannot store " + entry + ": " + strerror(errno));
    }
    evict(key);
    return Held(lock_fd, open_entry(entry), "", false);
  }
  throw Error("unreachable");
}

void Cache::evict(const std::string& keep) {
  auto entries = entries_of(dir_ + "/entries");
  uint64_t total = 0;
  for (const auto& entry : entries) total += entry.size;
  for (const auto& entry : entries) {
    if (total <= limit_) return;
    if (entry.key == keep) continue;
    const std::string lock_path = dir_ + "/locks/" + entry.key;
    int lock_fd = lock(lock_path, LOCK_EX, false);
    if (lock_fd < 0) continue;  // in use
    if (::unlink((dir_ + "/entries/" + entry.key).c_str()) == 0) {
      total -= entry.size;
      spdlog::info("fetch cache: evicted {} ({} bytes, least recently used)", entry.key, entry.size);
    }
    ::unlink(lock_path.c_str());
    ::close(lock_fd);
  }
}

}  // namespace dc::fetch
