#pragma once
// Running a command inside a running container on someone's behalf (host
// mode's health checks, the `enter` command) with no more than the
// container has: its own init runs the command as its child
// (src/init/containerizer_init.c, "Checks"), so with the capabilities,
// seccomp filter, LSM label, no_new_privs, rlimits, user, namespaces and
// cgroups the runtime gave the container. The host asks over the check
// channel, a UNIX socket in the container's run directory
// (src/protocol/check_channel.h), and reads back only the exit status. A
// container with no channel (started by an older version) gets a `docker
// exec` (docker.hpp). Nothing here enters a namespace or execs in the
// container itself.
//
// The container can write its run directory, so the channel is opened
// without following a link and must be a socket; every step (connect, send,
// the reply) is under the caller's deadline; nothing but the status comes
// back (descriptors the peer sends are dropped by the kernel, unreceived).
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace dc::docker {
class Client;
}

namespace dc::enter {

using Environment = std::map<std::string, std::string>;

// The container's init, watched through a pidfd, so that a recycled pid is
// never taken for it: whether the container still runs. Move-only.
class Init {
 public:
  // Throws dc::Error when the process is gone.
  explicit Init(int pid);
  Init(Init&& other) noexcept;
  Init& operator=(Init&&) = delete;
  ~Init();

  int pid() const { return pid_; }
  // False once the init has exited.
  bool alive() const;
  // Waits up to `seconds` for the init to exit; true if it did.
  bool exits_within(double seconds) const;

 private:
  int pid_;
  int pidfd_ = -1;
};

// Where the command goes.
struct Container {
  std::string run_dir;  // on the host: holds the check channel
  std::string name;     // docker's, for the fallback
};

// What to run: `file` (looked up on the container's PATH when it has no
// '/') with its argv, in the container's environment with `environment`'s
// variables winning.
struct Command {
  std::string file;
  std::vector<std::string> argv;
  Environment environment;
};

struct Outcome {
  int status = 0;          // waitpid form, when it ran to its end
  bool timed_out = false;  // killed at the time limit
  bool cancelled = false;  // killed because `cancel_fd` became readable
  std::string error;       // it did not run, or its end is unknown: why
  bool lost = false;       // the init went away before the end (the container ended)
};

// The channel's request for `command`. Throws dc::Error when a word holds
// a NUL, or the request is larger than the channel takes.
std::string request(const Command& command);

// Runs `command` in `container` in a process group of its own, stdin on
// /dev/null; its stdout and stderr are this process's when `relay`, else
// /dev/null. Returns when it ended, after `timeout_seconds`, or once
// `cancel_fd` (-1: none) is readable; the command's whole group is killed
// then (by the init when the channel closes; a `docker exec` fallback can
// kill only its client). A failure to run it is the outcome's error, one
// line naming the channel or the init's refusal.
Outcome run(const Container& container, const Command& command, const docker::Client& docker, double timeout_seconds,
            int cancel_fd, bool relay);

}  // namespace dc::enter
