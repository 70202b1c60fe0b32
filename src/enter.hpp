#pragma once
// Running a command inside a running container with no docker client, the
// way `docker exec` (runc exec) does it: join the cgroups and namespaces of
// the container's init, take on its user, environment and working
// directory, and exec. For the host executor's health checks, and the
// `enter` debugging command. The parsers are pure; target() reads /proc.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dc::enter {

using Environment = std::map<std::string, std::string>;

// Who the container's processes run as.
struct Credentials {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary
};

// The real ids of /proc/<pid>/status's Uid, Gid and Groups lines; nullopt
// when a line is missing or malformed.
std::optional<Credentials> parse_credentials(const std::string& proc_status);

// /proc/<pid>/environ: NAME=VALUE entries, each ended by a NUL.
Environment parse_environ(const std::string& text);

// An id of the caller's user namespace as the namespace of a /proc/<pid>/
// uid_map or gid_map ("inside outside count" lines) sees it; nullopt when
// it is not mapped there.
std::optional<uint32_t> map_inside(uint32_t id, const std::string& id_map);

// The container, as a process entering it needs it: read from its init's
// /proc entries once, and its init watched (a pidfd) so that a recycled pid
// is never entered. Move-only.
class Target {
 public:
  // Throws dc::Error when the process is gone or unreadable.
  explicit Target(int pid);
  Target(Target&& other) noexcept;
  Target& operator=(Target&&) = delete;
  ~Target();

  int pid() const { return pid_; }
  // False once the init has exited.
  bool alive() const;
  // Waits up to `seconds` for the init to exit; true if it did.
  bool exits_within(double seconds) const;
  const std::vector<std::string>& cgroups() const { return cgroups_; }
  const Credentials& user() const { return user_; }  // in the container's user namespace
  const Environment& environment() const { return environment_; }

 private:
  int pid_;
  int pidfd_ = -1;
  std::vector<std::string> cgroups_;
  Credentials user_;
  Environment environment_;
};

// What to run: `file` (looked up on the environment's PATH inside the
// container when it has no '/'), its argv and environment.
struct Command {
  std::string file;
  std::vector<std::string> argv;
  Environment environment;
};

struct Outcome {
  int status = 0;          // waitpid form, when it ran to its end
  bool timed_out = false;  // killed at the time limit
  bool cancelled = false;  // killed because `cancel_fd` became readable
  std::string error;       // it did not run: entering the container or exec failed
};

// Runs `command` in `target`'s cgroups and namespaces (the user namespace
// only when it differs from ours), as its user, in its init's working
// directory, in a process group of its own with stdin on /dev/null and
// stdout and stderr on `out_fd` and `err_fd` (/dev/null when -1). Returns when it ended,
// after `timeout_seconds`, or once `cancel_fd` (-1: none) is readable. The
// whole group is SIGKILLed before it returns, so nothing it started
// outlives the call but a process that left the group (setsid). It dies
// with the calling thread. Throws dc::Error only when it cannot fork.
Outcome run(const Target& target, const Command& command, double timeout_seconds, int cancel_fd,
            int out_fd = -1, int err_fd = -1);

}  // namespace dc::enter
