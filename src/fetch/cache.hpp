#pragma once
// The shared download cache, 0700: DIR/entries/<key> (the downloaded file,
// its mtime the last use), DIR/uris/<key> (the user and URI it was fetched
// for, compared on every hit), DIR/locks/<key> (a flock per URI: shared while a
// launch copies or extracts the entry, exclusive while one downloads it, so
// concurrent launches of one URI download it once), DIR/partial/ (downloads
// in progress). Least recently used entries go when the total exceeds the
// size limit; entries in use are never removed.
#include <cstdint>
#include <functional>
#include <string>

namespace dc::fetch {

// The cache's file name for a URI fetched for `user` (a uid, or "" for
// none): the SHA-256 of both (Mesos keys its cache by user and URI too),
// then the URI's basename made safe (for people looking into the cache).
std::string cache_key(const std::string& user, const std::string& value);

// One URI's file, held (and protected from eviction) while this lives.
class Held {
 public:
  Held(int lock_fd, int fd, bool hit);
  Held(Held&& other) noexcept;
  Held(const Held&) = delete;
  ~Held();
  int fd() const { return fd_; }
  bool hit() const { return hit_; }  // no download was made

 private:
  int lock_fd_;
  int fd_;
  bool hit_;
};

class Cache {
 public:
  Cache(std::string dir, uint64_t limit_bytes);
  // The file for `value` fetched for `user`; `download(path, max_bytes)`
  // makes it when the cache has none, at most the cache's size: it throws
  // TooLarge beyond (and the caller fetches without the cache).
  Held get(const std::string& user, const std::string& value,
           const std::function<void(const std::string& path, uint64_t max_bytes)>& download);

 private:
  // Removes least recently used entries other than `keep` until the total
  // is within the limit.
  void evict(const std::string& keep);
  std::string dir_;
  uint64_t limit_;
};

}  // namespace dc::fetch
