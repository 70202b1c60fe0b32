#pragma once
// Processes that outlive the call (the cleanup sweep, override mode's host
// executor supervisor). They must hold none of the agent's pipes: the agent
// waits for its stdout/stderr pipes to close, and never closes our stdin.
#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/clock.hpp"

namespace dc::process {

// Runs `body` in a grandchild in its own session, with stdin on /dev/null,
// stdout/stderr on `out_fd`/`err_fd` (or /dev/null when -1), every other
// descriptor closed; the grandchild exits with body's return value. Returns
// the grandchild's pid once it is running on its own (the intermediate
// child is reaped here, so no zombie is left to the agent).
int detached(const std::function<int()>& body, int out_fd = -1, int err_fd = -1);

// execve's argv and envp, built before a fork (between fork and exec the
// child may not allocate). Neither copied nor moved: it points into itself.
class ExecVectors {
 public:
  ExecVectors(const std::vector<std::string>& argv, const std::map<std::string, std::string>& environment);
  ExecVectors(const ExecVectors&) = delete;
  ExecVectors& operator=(const ExecVectors&) = delete;
  char* const* argv() const { return argv_.data(); }
  char* const* envp() const { return envp_.data(); }

 private:
  std::vector<std::string> args_, env_;
  std::vector<char*> argv_, envp_;
};

// A program run to its end under a time limit (the operator's hooks): no
// shell, exactly this argv and environment.
struct Program {
  std::string file;
  std::vector<std::string> argv;
  std::map<std::string, std::string> environment;
  int output_fd = -1;  // its stdout and stderr (/dev/null when -1); stdin is /dev/null
  static constexpr int kSameAsOutput = -2;
  int error_fd = kSameAsOutput;  // its stderr, when not output_fd (/dev/null when -1)
};

struct Outcome {
  int status = 0;          // waitpid form
  bool timed_out = false;  // killed at the time limit
  bool cancelled = false;  // killed because `cancel_fd` became readable
};

// Runs `program` in a process group of its own, in "/", holding no other
// descriptor of ours, and waits for it; past `timeout_seconds`, or once
// `cancel_fd` (-1: none) is readable, the whole group is SIGKILLed. It dies
// with this process. Throws dc::Error when it cannot be started (execve's
// error: not executable, a missing interpreter).
Outcome run(const Program& program, double timeout_seconds, int cancel_fd = -1);

// The start of a forked child that will exec, as run()'s does
// (async-signal-safe calls only): a process group of its
// own, killed when the forking thread ends (it exits 127 at once when
// `parent` is gone already), default signal handling, stdin on /dev/null,
// stdout and stderr on `out_fd` and `err_fd` (/dev/null when -1).
void prepare_child(pid_t parent, int out_fd, int err_fd);

// waitpid(pid) through EINTR: its exit status (waitpid form).
int reap(pid_t pid);

// Blocks until child `pid` exits or `deadline` passes (a pidfd, so no
// SIGCHLD handling); true if it exited. It is not reaped.
bool exits_by(pid_t pid, clock::Deadline deadline);

// When process `pid` started (clock ticks after boot, /proc/PID/stat
// field 22); 0 when there is none. With its pid it names one process for
// good, where a pid alone may since name another.
unsigned long long start_time(pid_t pid);

// Whether `pid` is still the process that started at `start` (0: not
// recorded, then any process with that pid).
bool same_process(pid_t pid, unsigned long long start);


}  // namespace dc::process
