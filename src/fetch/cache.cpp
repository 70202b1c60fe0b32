#include "fetch/cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/error.hpp"
#include "base/log.hpp"
#include "fetch/uri.hpp"

namespace dc::fetch {
namespace fs = std::filesystem;
namespace {

// 0700: what frameworks fetched is theirs, not every local user's. A cache
// an older version made 0755 is narrowed too.
void make_dir(const std::string& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error || ::chmod(dir.c_str(), 0700) != 0)
    throw Error("cannot create the fetch cache " + dir + ": " + (error ? error.message() : strerror(errno)));
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

int open_entry(const std::string& path) { return ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC); }

// What DIR/uris/<key> holds for an entry: the user, a newline, the URI
// (which validate() keeps free of newlines).
std::string stamp_of(const std::string& user, const std::string& value) { return user + "\n" + value; }

bool stamped(const std::string& path, const std::string& stamp) {
  int fd = open_entry(path);
  if (fd < 0) return false;
  std::string held(stamp.size() + 1, '\0');  // one more: a longer stamp differs
  ssize_t n;
  while ((n = ::read(fd, held.data(), held.size())) < 0 && errno == EINTR) {
  }
  ::close(fd);
  return n == static_cast<ssize_t>(stamp.size()) && held.compare(0, stamp.size(), stamp) == 0;
}

void write_stamp(const std::string& path, const std::string& stamp) {
  const std::string partial = path + "." + std::to_string(::getpid());
  ::unlink(partial.c_str());
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  bool written = fd >= 0 && ::write(fd, stamp.data(), stamp.size()) == static_cast<ssize_t>(stamp.size());
  if (fd >= 0 && ::close(fd) != 0) written = false;
  if (!written || ::rename(partial.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(partial.c_str());
    throw Error("cannot write " + path + ": " + strerror(error));
  }
}

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

std::string cache_key(const std::string& user, const std::string& value) {
  // A NUL between them: no (user, URI) pair hashes the bytes of another.
  const std::string keyed = user + std::string(1, '\0') + value;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(keyed.data()), keyed.size(), digest);
  std::string hex;
  for (unsigned char byte : digest) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", byte);
    hex += pair;
  }
  std::string base = value.substr(value.rfind('/') + 1).substr(0, 64);
  for (auto& c : base)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return hex + "-" + base;
}

Held::Held(int lock_fd, int fd, bool hit) : lock_fd_(lock_fd), fd_(fd), hit_(hit) {}

Held::Held(Held&& other) noexcept : lock_fd_(other.lock_fd_), fd_(other.fd_), hit_(other.hit_) {
  other.lock_fd_ = other.fd_ = -1;
}

Held::~Held() {
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Cache::Cache(std::string dir, uint64_t limit_bytes) : dir_(std::move(dir)), limit_(limit_bytes) {
  for (const char* sub : {"", "/entries", "/uris", "/locks", "/partial"}) make_dir(dir_ + sub);
}

Held Cache::get(const std::string& user, const std::string& value,
               const std::function<void(const std::string& path, uint64_t max_bytes)>& download) {
  const std::string key = cache_key(user, value);
  const std::string entry = dir_ + "/entries/" + key;
  const std::string uri_path = dir_ + "/uris/" + key;
  const std::string lock_path = dir_ + "/locks/" + key;
  const std::string stamp = stamp_of(user, value);
  // Shared first: when the entry is there (the common case), every launch
  // reads it at once. Else exclusive, and the first to get it downloads
  // while the others wait for its entry.
  for (int mode : {LOCK_SH, LOCK_EX}) {
    int lock_fd = lock(lock_path, mode);
    int fd = open_entry(entry);
    // An entry made for another user or URI under this key is a miss.
    if (fd >= 0 && stamped(uri_path, stamp)) {
      ::futimens(fd, nullptr);  // the last use, for eviction
      return Held(lock_fd, fd, true);
    }
    if (fd >= 0) ::close(fd);
    if (mode == LOCK_SH) {
      ::close(lock_fd);
      continue;
    }
    ::unlink(entry.c_str());  // a mismatched entry never stands behind the new stamp
    const std::string partial = dir_ + "/partial/" + key + "." + std::to_string(::getpid());
    ::unlink(partial.c_str());  // a crashed download's leftover under a reused pid
    try {
      // Bounded while it is written: the state directory never holds more
      // than the cache's size of it.
      download(partial, limit_);
      write_stamp(uri_path, stamp);
      if (::rename(partial.c_str(), entry.c_str()) != 0) throw Error("cannot store " + entry + ": " + strerror(errno));
    } catch (...) {
      ::unlink(partial.c_str());
      ::close(lock_fd);
      throw;
    }
    evict(key);
    return Held(lock_fd, open_entry(entry), false);
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
    ::unlink((dir_ + "/uris/" + entry.key).c_str());
    if (::unlink((dir_ + "/entries/" + entry.key).c_str()) == 0) {
      total -= entry.size;
      spdlog::info("fetch cache: evicted {} ({} bytes, least recently used)", entry.key, entry.size);
    }
    ::unlink(lock_path.c_str());
    ::close(lock_fd);
  }
}

}  // namespace dc::fetch
