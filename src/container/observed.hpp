#pragma once
// How a container's end is observed, shared by wait, await, destroy,
// recover and the host executor. The container's init writes a status file
// into the container's run directory as its last act; when it could not
// (SIGKILL, docker kill, the engine's stop timeout) docker's own State
// answers. Recording it is settled.hpp's.
#include <chrono>
#include <functional>
#include <optional>

#include "base/clock.hpp"
#include "base/settings.hpp"
#include "container/state.hpp"
#include "docker/docker.hpp"
#include "host/inotify.hpp"
#include "protocol/termination.hpp"

namespace dc::ending {

// True while the record's init pid is alive and still in the container's
// cgroup (so a recycled pid is not mistaken for it).
bool init_alive(const state::Record& record);

// Asks docker for the container's init pid and cgroup paths and saves them;
// false when the container is not running.
bool refresh_pid(state::Locked& locked, const docker::Client& docker);

// How the container ended, or nullopt while it runs. Learns and saves the
// init's pid and cgroup paths when the record lacks them.
std::optional<termination::Exit> container_exit(state::Locked& locked, const state::Store& store,
                                                 const docker::Client& docker);

// Override mode: where the host executor's supervisor writes its waitpid
// status, in the container's state directory (never the run directory,
// which the container can write).
std::string executor_exit_file(const state::Store& store, const std::string& id);

// Override mode: the host executor's waitpid status, once its supervisor
// wrote it (or SIGKILL when the supervisor itself vanished).
std::optional<int> executor_status(const state::Record& record, const state::Store& store);

// Host and override mode: kills the process group of the host executor's
// supervisor (the executor, and in override mode its await), if it is
// still the process that launch started.
void stop_host_executor(const state::Record& record);

// Blocks until something may have changed for the container: its status
// file in its run directory (or override mode's executor-exit in its own
// directory), its record replaced or removed, its init or host executor's
// supervisor exited, the reader of `reader` (a pipe, -1 for none) gone, or
// `by` (a look the caller owes) come. No other timeout: each change wakes
// it. Other files the task makes in its run directory wake nothing, and its
// writes of `exit` a look at most each 100 ms.
class Watch {
 public:
  Watch(const state::Store& store, const std::string& id, int reader);
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  // The processes to watch, as the last look found them (0: none); the
  // supervisor only while it is the one that started at `supervisor_start`.
  void processes(int init, int supervisor, unsigned long long supervisor_start);
  void block(std::optional<clock::Deadline> by);
  bool reader_open() const { return reader_ >= 0; }

 private:
  enum class News { none, status, ours };
  void follow(int& pidfd, int& pid, int now, unsigned long long start);
  News read_events();
  inotify::Watches watches_;
  int run_watch_ = -1, dir_watch_ = -1;
  bool complete_ = false;
  std::chrono::steady_clock::time_point next_status_look_{};
  int init_ = -1, init_pid_ = 0;
  int supervisor_ = -1, supervisor_pid_ = 0;
  int reader_ = -1;
};

// What one look at the container found: its Termination once settled, else
// the processes to watch.
struct Look {
  std::optional<mesos::containerizer::Termination> termination;
  std::optional<termination::Exit> container;  // for await: the container alone
  int pid = 0;
  int supervisor_pid = 0;
  unsigned long long supervisor_start = 0;
  // Its init has died but docker has not noticed yet: no file or process
  // will tell, docker will (`docker wait` on `name`).
  bool lagging = false;
  std::string name;
  // Look again by then though nothing changed (Mesos's executor's grace).
  std::optional<clock::Deadline> look_by;
};

// Whether a look that finds the end also records it (wait), or only
// reports it (await, the host executor: the agent's wait records it).
enum class Settle { no, yes };

// Looks at the container until `done(look)`, blocking on a Watch between
// looks; returns the last look. `reader`: see Watch; a settling look while
// the reader is there (an agent's wait) stops Mesos's command executor
// that outlives its container by 20 s (observed.cpp, kExecutorGrace).
Look until(const Settings& settings, const std::string& id, Settle settle, int reader,
           const std::function<bool(const Look&)>& done);

// Blocks until the container of `container_id` has ended (its init, not a
// host executor) and says how; for await and the host executor.
termination::Exit container_end(const Settings& settings, const std::string& container_id);

}  // namespace dc::ending
