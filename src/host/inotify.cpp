#include "host/inotify.hpp"

#include <sys/inotify.h>
#include <unistd.h>

namespace dc::inotify {

Watches::Watches() : fd_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) {}

Watches::~Watches() {
  if (fd_ >= 0) ::close(fd_);
}

int Watches::add(const std::string& directory, uint32_t mask) {
  return fd_ < 0 ? -1 : ::inotify_add_watch(fd_, directory.c_str(), mask);
}

void Watches::drain(const std::function<void(int wd, uint32_t mask, const std::string& name)>& each) {
  alignas(struct inotify_event) char buffer[4096];
  for (ssize_t n; fd_ >= 0 && (n = ::read(fd_, buffer, sizeof buffer)) > 0;)
    for (const char* p = buffer; p < buffer + n;) {
      const auto* event = reinterpret_cast<const struct inotify_event*>(p);
      if (each) each(event->wd, event->mask, event->len ? event->name : "");
      p += sizeof(struct inotify_event) + event->len;
    }
}

}  // namespace dc::inotify
