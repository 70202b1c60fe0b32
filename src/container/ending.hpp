#pragma once
// How a container's end is observed and recorded, shared by wait, await,
// destroy and recover. The container's init writes a status file into the
// container's run directory as its last act; when it could not (SIGKILL,
// docker kill, the engine's stop timeout) docker's own State answers.
#include <chrono>
#include <optional>
#include <set>

#include "base/settings.hpp"
#include "container/state.hpp"
#include "docker/docker.hpp"
#include "protocol/termination.hpp"

namespace dc::ending {

// True while the record's init pid is alive and still in the container's
// cgroup (so a recycled pid is not mistaken for it).
bool init_alive(const state::Record& record);

// Launch names the image as the state directory last saw it
// (state::Store::image): the container's own image is the truth. Where they
// differ (a tag moved behind this program's back, a record rebuilt from
// labels) the record takes the container's image id and digest, the cache
// is corrected, and a line says so. Saved by the caller.
void confirm_image(state::Locked& locked, const docker::Container& container, const docker::Client& docker);

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

// Records the Termination once, under the caller's lock; later callers get
// the recorded one, so every wait reports the same. The call that records
// it then lets go of the lock (the caller writes no more) and runs the
// `ended` hook (src/hooks.hpp): no call waits behind a hook.
mesos::containerizer::Termination settle(const Settings& settings, state::Locked& locked,
                                         const termination::Exit& container, std::optional<int> executor_status);

// Blocks until something may have changed for the container: its status
// file in its run directory (or override mode's executor-exit in its own
// directory), its record replaced or removed, its init or host executor's
// supervisor exited, or the reader of `reader` (a pipe, -1 for none) gone.
// No timeout: each change wakes it. Other files the task makes in its run
// directory wake nothing, and its writes of `exit` a look at most each
// 100 ms.
class Watch {
 public:
  Watch(const state::Store& store, const std::string& id, int reader);
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  // The processes to watch, as the last look found them (0: none); the
  // supervisor only while it is the one that started at `supervisor_start`.
  void processes(int init, int supervisor, unsigned long long supervisor_start);
  void block();

 private:
  enum class News { none, status, ours };
  void follow(int& pidfd, int& pid, int now, unsigned long long start);
  News read_events();
  int inotify_ = -1;
  int run_watch_ = -1, dir_watch_ = -1;
  bool complete_ = false;
  std::chrono::steady_clock::time_point next_status_look_{};
  int init_ = -1, init_pid_ = 0;
  int supervisor_ = -1, supervisor_pid_ = 0;
  int reader_ = -1;
};

// Records that a wait wrote the container's Termination to the agent: only
// then may the sweep remove the container. Called after the result is
// written, so it reports a failure on stderr and never throws.
void delivered(const Settings& settings, const std::string& id);

// Removes ended containers whose Termination a wait delivered, once CONTAINERIZER_REMOVE_DELAY has passed, and
// records whose sandbox the agent's garbage collection removed. Runs in a
// detached process so that no call waits for `docker rm`.
void sweep(const Settings& settings);
// Starts one when a record is due, looking at every record but those of
// `running` containers (docker ps just said so: nothing of theirs is due).
void start_sweep(const Settings& settings, const std::set<std::string>& running = {});

}  // namespace dc::ending
