#include "fetch/placed.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.hpp"

namespace dc::fetch {

Placed::~Placed() {
  if (committed_) return;
  // Newest first: files before the directories made for them.
  for (auto entry = entries_.rbegin(); entry != entries_.rend(); ++entry) {
    if (!entry->created) continue;
    if (::unlink(entry->path.c_str()) != 0 && errno == EISDIR) ::rmdir(entry->path.c_str());
  }
}

void Placed::note(const std::string& path) {
  struct stat info;
  entries_.push_back({path, ::lstat(path.c_str(), &info) != 0});
}

void Placed::make_parents(const std::string& path) {
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string dir = path.substr(0, slash);
    struct stat info;
    if (::lstat(dir.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) throw Error("'" + dir + "' in the sandbox is not a directory");
      continue;
    }
    note(dir);
    if (::mkdir(dir.c_str(), 0755) != 0) throw Error("cannot create '" + dir + "' in the sandbox: " + strerror(errno));
  }
}

void Placed::commit() {
  if (user_)
    for (const auto& entry : entries_)
      if (::lchown(entry.path.c_str(), user_->uid, user_->gid) != 0 && errno != ENOENT)
        throw Error("cannot chown '" + entry.path + "' to uid " + std::to_string(user_->uid) + ": " +
                    strerror(errno));
  committed_ = true;
}

}  // namespace dc::fetch
