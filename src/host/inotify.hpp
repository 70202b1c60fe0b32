#pragma once
// inotify watches on directories, read without blocking: how the program
// sleeps until a file lands (the init's status file, a record saved)
// instead of looking again and again.
#include <cstdint>
#include <functional>
#include <string>

namespace dc::inotify {

class Watches {
 public:
  // With no instance left on the host (fs.inotify.max_user_instances),
  // fd() is -1 and add() fails: the callers then look on a timer.
  Watches();
  ~Watches();
  Watches(const Watches&) = delete;
  Watches& operator=(const Watches&) = delete;

  // Watches `directory` for `mask`: the watch's descriptor, or -1.
  int add(const std::string& directory, uint32_t mask);
  // For poll(): readable while events are queued.
  int fd() const { return fd_; }
  // Reads every queued event, handing each to `each` (wd, mask, the name
  // within the directory); a queue overflow comes as wd -1, IN_Q_OVERFLOW.
  void drain(const std::function<void(int wd, uint32_t mask, const std::string& name)>& each = {});

 private:
  int fd_;
};

}  // namespace dc::inotify
