#pragma once
// The paths one URI puts into the sandbox. Until commit() they are undone
// when the object goes (a failed fetch leaves nothing half-done behind);
// commit() hands them to the Launch's user, as the sandbox's log files are.
#include <optional>
#include <string>
#include <vector>

#include "base/types.hpp"

namespace dc::fetch {

class Placed {
 public:
  explicit Placed(std::optional<UserIds> user) : user_(std::move(user)) {}
  Placed(const Placed&) = delete;
  Placed& operator=(const Placed&) = delete;
  ~Placed();

  // Notes `path` (relative to the working directory, the sandbox) before it
  // is written: removed on failure only if it did not exist yet.
  void note(const std::string& path);
  // Makes the missing directories above `path`, noting each; refuses to go
  // through a symbolic link.
  void make_parents(const std::string& path);
  // Chowns every noted path (not following links) and keeps them.
  void commit();

 private:
  struct Entry {
    std::string path;
    bool created;
  };
  std::optional<UserIds> user_;
  std::vector<Entry> entries_;
  bool committed_ = false;
};

}  // namespace dc::fetch
