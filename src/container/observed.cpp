#include "container/observed.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "base/log.hpp"
#include "container/image.hpp"
#include "container/settled.hpp"
#include "host/files.hpp"
#include "host/process.hpp"
#include "protocol/naming.hpp"

namespace dc::ending {
namespace {

using termination::Exit;

// A status file is two short lines; /proc's stat and cgroup files are a
// few hundred bytes.
constexpr size_t kSmallFile = 64 * 1024;

// `name` in `dir`: nullopt when it is absent or anything but a small
// regular file. The run directory is the container's: its task may have
// put a link, a FIFO or a directory there, which tells nothing.
std::optional<std::string> read_file(const std::string& dir, const std::string& name) {
  try {
    return files::read_beneath(dir, name, kSmallFile);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::optional<Exit> status_file(const std::string& dir, const std::string& name) {
  auto text = read_file(dir, name);
  return text ? termination::parse_status_file(*text) : std::nullopt;
}

void learn(state::Locked& locked, const docker::Container& container, const docker::Client& docker) {
  auto& record = locked.record();
  record.docker_id = container.id;
  record.pid = container.pid;
  record.cgroups = cgroups::paths_of_pid(container.pid);
  image::confirm(locked, container, docker);
  locked.save();
}

}  // namespace

bool init_alive(const state::Record& record) {
  if (record.pid <= 0) return false;
  const std::string proc = "/proc/" + std::to_string(record.pid);
  auto stat = read_file(proc, "stat");
  if (!stat) return false;
  // A zombie has exited already: field 3, after the parenthesised name.
  auto close = stat->rfind(')');
  if (close == std::string::npos || close + 2 >= stat->size() || (*stat)[close + 2] == 'Z') return false;
  auto cgroup = read_file(proc, "cgroup");
  return cgroup && (record.docker_id.empty() || cgroup->find(record.docker_id) != std::string::npos);
}

bool refresh_pid(state::Locked& locked, const docker::Client& docker) {
  auto container = docker.inspect(locked.record().name);
  if (!container || !container->running) return false;
  learn(locked, *container, docker);
  return true;
}

std::optional<Exit> container_exit(state::Locked& locked, const state::Store& store, const docker::Client& docker) {
  auto& record = locked.record();
  const std::string run_dir = store.run_dir(record.container_id);
  if (auto exit = status_file(run_dir, "exit")) {
    // Ended before any look learned it: this is the first, and the last,
    // chance to confirm its image (saved with the Termination).
    if (record.pid == 0)
      if (auto container = docker.inspect(record.name)) image::confirm(locked, *container, docker);
    return exit;
  }
  if (init_alive(record)) return std::nullopt;
  auto container = docker.inspect(record.name);
  // Gone from the engine with no status file: nothing tells how it ended.
  if (!container) return Exit{SIGKILL, false};
  if (auto exit = status_file(run_dir, "exit")) return exit;
  if (!container->running) return termination::from_docker(container->exit_code, container->oom_killed);
  // Its init, first learned now; or the init died and docker has not
  // noticed yet (the caller waits for docker, without the lock).
  if (container->pid != record.pid) learn(locked, *container, docker);
  return std::nullopt;
}

std::string executor_exit_file(const state::Store& store, const std::string& id) {
  return store.dir(id) + "/executor-exit";
}

std::optional<int> executor_status(const state::Record& record, const state::Store& store) {
  const std::string dir = store.dir(record.container_id);
  if (auto exit = status_file(dir, "executor-exit")) return exit->status;
  // Its pid, recorded long ago, may name another process by now.
  if (record.supervisor_pid > 0 && !process::same_process(record.supervisor_pid, record.supervisor_start)) {
    // The supervisor may have written the file just before exiting.
    if (auto exit = status_file(dir, "executor-exit")) return exit->status;
    return SIGKILL;
  }
  return std::nullopt;
}

// The supervisor leads a process group holding the host executor and its
// children. Its pid may name another process by now (it ended long ago):
// only the process that started when it did is killed.
void stop_host_executor(const state::Record& record) {
  if (record.supervisor_pid > 0 && process::same_process(record.supervisor_pid, record.supervisor_start))
    ::kill(-record.supervisor_pid, SIGKILL);
}

Watch::Watch(const state::Store& store, const std::string& id, int reader) : reader_(reader) {
  // The status files land in the run directory; a record replaced (a
  // destroy, another call's Termination) or removed, and override mode's
  // executor-exit, in the container's.
  run_watch_ = watches_.add(store.run_dir(id), IN_MOVED_TO | IN_CLOSE_WRITE);
  dir_watch_ = watches_.add(store.dir(id), IN_MOVED_TO | IN_MOVE_SELF | IN_DELETE_SELF);
  complete_ = run_watch_ >= 0 && dir_watch_ >= 0;
}

Watch::~Watch() {
  for (int fd : {init_, supervisor_})
    if (fd >= 0) ::close(fd);
}

void Watch::follow(int& pidfd, int& pid, int now, unsigned long long start) {
  if (now == pid) return;
  if (pidfd >= 0) ::close(pidfd);
  pid = now;
  pidfd = now > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, now, 0)) : -1;
  // Opened, then checked: the pidfd holds the process that started then, or
  // one that already ended, never a later holder of its pid.
  if (pidfd >= 0 && start && process::start_time(now) != start) {
    ::close(pidfd);
    pidfd = -1;
  }
}

void Watch::processes(int init, int supervisor, unsigned long long supervisor_start) {
  follow(init_, init_pid_, init, 0);
  follow(supervisor_, supervisor_pid_, supervisor, supervisor_start);
}

// The news in the queued events: none, the init's status file (`exit`, in
// the run directory, which the task can also write as often as it likes),
// or the container's own directory (the record replaced or removed,
// override mode's executor-exit), which only this program writes. Anything
// else the task does in its run directory is no news.
Watch::News Watch::read_events() {
  News news = News::none;
  watches_.drain([&](int wd, uint32_t mask, const std::string& name) {
    if (wd != run_watch_ || (mask & IN_Q_OVERFLOW))
      news = News::ours;
    else if (name == "exit" && news == News::none)
      news = News::status;
  });
  return news;
}

void Watch::block(std::optional<clock::Deadline> by) {
  using Clock = std::chrono::steady_clock;
  // At most one look per kStatusLook for `exit` events: a task renaming
  // onto it in a loop would otherwise have this root process, outside the
  // container's cgroup, look at the container as fast as it can.
  constexpr auto kStatusLook = std::chrono::milliseconds(100);
  bool status_seen = false;
  for (;;) {
    struct pollfd fds[4] = {{watches_.fd(), POLLIN, 0}, {init_, POLLIN, 0}, {supervisor_, POLLIN, 0}, {reader_, 0, 0}};
    // Every change has a watch: no timeout. A watch missing (no run
    // directory, out of inotify instances): a look each second instead.
    int timeout = complete_ ? -1 : 1000;
    if (status_seen) timeout = clock::poll_ms(next_status_look_);
    if (by) timeout = timeout < 0 ? clock::poll_ms(*by) : std::min(timeout, clock::poll_ms(*by));
    const int ready = ::poll(fds, 4, timeout);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;  // the time for a look has come
    const News news = fds[0].revents ? read_events() : News::none;
    // An exited process stays readable, a gone reader in error: stop
    // watching them, the caller now knows.
    auto exited = [](int& pidfd, const struct pollfd& polled) {
      if (pidfd < 0 || !polled.revents) return false;
      ::close(pidfd);
      pidfd = -1;
      return true;
    };
    const bool process_exited = exited(init_, fds[1]) | exited(supervisor_, fds[2]);
    if (fds[3].revents) reader_ = -1;  // not ours to close
    if (process_exited || fds[3].revents || news == News::ours) break;
    if (news == News::status) {
      status_seen = true;
      if (Clock::now() >= next_status_look_) break;
    }
  }
  next_status_look_ = Clock::now() + kStatusLook;
}

namespace {

// Override mode's host executor is Mesos's command executor, which ends only
// once it has registered with its agent, run our `await` and sent the task's
// update. An agent whose libprocess workers are all held by the blocking
// reads of its `wait`s (README, "Agents under load") never lets it register:
// each of those waits waits for an executor that waits for the agent, and
// the agent stops for good (a real 0.28.2 agent in CI, 40 tasks at once on 8
// workers: 33 TASK_LOST once the master gave up on it). So once the
// container has ended, a wait whose agent still reads gives the executor
// this long (it needs about a second: its update, then a 1 s sleep), then
// stops it and reports the container's end: the Termination's state tells
// the agent the task's end (settled.cpp), as host mode's executor does when
// it gives up (executor.cpp, kAgentSilence).
constexpr double kExecutorGrace = 20;

// What the looks of one `until` learned: whether the record was there (one
// missing now was destroyed meanwhile), whether an agent reads the result
// and when Mesos's executor's grace ends.
struct Seen {
  bool record = false;
  bool agent_reading = false;
  std::optional<clock::Deadline> executor_grace;
};

// Whether to settle without Mesos's command executor, which has not ended
// (see kExecutorGrace); on the first such look, the grace starts.
bool executor_outlived(const state::Record& record, Seen& seen) {
  if (!record.mesos_executor || !seen.agent_reading) return false;
  if (!seen.executor_grace) seen.executor_grace = clock::deadline_after(kExecutorGrace);
  if (std::chrono::steady_clock::now() < *seen.executor_grace) return false;
  spdlog::warn("container {}: Mesos's command executor has not ended {} s after its container: its agent does not "
               "answer it (all its libprocess workers held? README, \"Agents under load\"); stopped it (process "
               "group {}), the Termination carries the task's end",
               record.container_id, kExecutorGrace, record.supervisor_pid);
  stop_host_executor(record);
  return true;
}

// One look.
Look look(const Settings& settings, const state::Store& store, const docker::Client& docker, const std::string& id,
          Settle settle, Seen& seen) {
  auto locked = state::Locked::open(store, id);
  if (!locked) {
    if (!seen.record) throw Error("unknown container (no record in " + store.root() + ")");
    // Destroyed and its record removed between two looks.
    Look destroyed;
    destroyed.termination = termination::make({SIGKILL, false}, true, 0);
    destroyed.container = termination::Exit{SIGKILL, false};
    return destroyed;
  }
  seen.record = true;
  auto& record = locked->record();
  if (record.termination) {
    Look recorded;
    recorded.termination = record.termination;
    return recorded;
  }
  if (record.name.empty() || record.docker_id.empty())
    throw Error("its launch did not finish; destroy it");
  auto exit = container_exit(*locked, store, docker);
  Look result{std::nullopt, exit, record.pid, record.supervisor_pid, record.supervisor_start,
              !exit && !init_alive(record), record.name, std::nullopt};
  if (!exit || settle == Settle::no) return result;
  std::optional<int> executor;
  if (record.override_mode) {
    executor = executor_status(record, store);
    if (!executor && !executor_outlived(record, seen)) {
      result.look_by = seen.executor_grace;
      return result;
    }
  }
  result.termination = ending::settle(settings, *locked, *exit, executor);
  return result;
}

}  // namespace

Look until(const Settings& settings, const std::string& id, Settle settle, int reader,
           const std::function<bool(const Look&)>& done) {
  ids::validate("container id", id);
  state::Store store(settings.state_dir);
  docker::Client docker(docker::cli_of(settings));
  Seen seen;
  seen.agent_reading = settle == Settle::yes && reader >= 0;
  Look last = look(settings, store, docker, id, settle, seen);
  if (done(last)) return last;
  // Watch first, then look again: an end between the two looks still wakes us.
  Watch watch(store, id, reader);
  for (;;) {
    watch.processes(last.pid, last.supervisor_pid, last.supervisor_start);
    seen.agent_reading = seen.agent_reading && watch.reader_open();
    last = look(settings, store, docker, id, settle, seen);
    if (done(last)) return last;
    if (last.lagging)
      docker.wait(last.name);
    else
      watch.block(last.look_by);
  }
}

termination::Exit container_end(const Settings& settings, const std::string& id) {
  Look end = for_container(id, [&] {
    return until(settings, id, Settle::no, -1, [](const Look& l) { return l.container || l.termination; });
  });
  if (end.container) return *end.container;
  const auto& reasons = end.termination->reasons();
  const bool oom = std::find(reasons.begin(), reasons.end(),
                             mesos::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY) != reasons.end();
  return {end.termination->status(), oom};
}

}  // namespace dc::ending
