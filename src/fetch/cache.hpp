#pragma once
// The shared download cache: DIR/entries/<key> (the downloaded file, its
// mtime the last use), DIR/locks/<key> (a flock per URI: shared while a
// launch copies or extracts the entry, exclusive while one downloads it, so
// concurrent launches of one URI download it once), DIR/partial/ (downloads
// in progress). Least recently used entries go when the total exceeds the
// size limit; entries in use are never removed.
#include <cstdint>
#include <functional>
#include <string>

namespace dc::fetch {

// One URI's file, held (and protected from eviction) while this lives.
class Held {
 public:
  Held(int lock_fd, int fd, std::string unlink_path, bool hit);
  Held(Held&& other) noexcept;
  Held(const Held&) = delete;
  ~Held();
  int fd() const { return fd_; }
  bool hit() const { return hit_; }  // no download was made

 private:
  int lock_fd_;
  int fd_;
  std::string unlink_path_;  // a download too big to keep, removed when done
  bool hit_;
};

class Cache {
 public:
  Cache(std::string dir, uint64_t limit_bytes);
  // The file for `value`; `download(path)` makes it when the cache has none.
  Held get(const std::string& value, const std::function<void(const std::string& path)>& download);

 private:
  // Removes least recently used entries other than `keep` until the total
  // is within the limit.
  void evict(const std::string& keep);
  std::string dir_;
  uint64_t limit_;
};

}  // namespace dc::fetch
