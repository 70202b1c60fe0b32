#include "container/ending.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "base/error.hpp"
#include "base/log.hpp"
#include "container/hooks.hpp"
#include "host/files.hpp"
#include "host/process.hpp"

namespace dc::ending {
namespace {

using termination::Exit;
namespace fs = std::filesystem;

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

double now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

void learn(state::Locked& locked, const docker::Container& container, const docker::Client& docker) {
  auto& record = locked.record();
  record.docker_id = container.id;
  record.pid = container.pid;
  record.cgroups = cgroups::paths_of_pid(container.pid);
  confirm_image(locked, container, docker);
  locked.save();
}

// A command task's container ends with its task (host and override mode).
// The agent reports a task that no update of the executor ended with the
// Termination's state (Slave::sendExecutorTerminatedStatusUpdate, 0.28 and
// 1.0; without one, TASK_FAILED): give it the task's real end. A destroy is
// left alone: the agent then has its own reason.
void tell_task_end(state::Record& record, const Exit& container) {
  auto& termination = *record.termination;
  if (record.task_end) {
    termination.set_state(record.task_end->state());
    termination.set_message(record.task_end->message());
    termination.clear_reasons();
    for (int reason : record.task_end->reasons())
      termination.add_reasons(static_cast<mesos::TaskStatus::Reason>(reason));
  } else if (!termination.has_state()) {
    termination.set_state(container.status == 0 ? mesos::TASK_FINISHED : mesos::TASK_FAILED);
  }
}

}  // namespace

void confirm_image(state::Locked& locked, const docker::Container& container, const docker::Client& docker) {
  auto& record = locked.record();
  if (container.image.empty() || container.image == record.image_id) return;
  const std::string launched = record.image_id;
  record.image_id = container.image;
  record.image_digest.clear();
  if (record.image.empty()) record.image = container.image_name;
  if (auto image = docker.image(container.image)) {
    record.image_digest = repo_digest(record.image, image->repo_digests);
    if (!record.image.empty()) locked.store().remember(record.image, *image);
  }
  if (!launched.empty())
    spdlog::warn("container {}: runs image {} ({}), not {}: the tag moved since this state directory last saw it",
                 record.container_id, record.image, record.image_digest.empty() ? record.image_id : record.image_digest,
                 launched);
}

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
      if (auto container = docker.inspect(record.name)) confirm_image(locked, *container, docker);
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

mesos::containerizer::Termination settle(const Settings& settings, state::Locked& locked, const Exit& container,
                                         std::optional<int> executor_status) {
  auto& record = locked.record();
  if (record.termination) return *record.termination;
  Exit reported = container;
  // The host executor's status stands for the container's, unless the
  // container ended by the memory limit: that is what the agent must hear
  // (Mesos's command executor reports the task and exits 0).
  if (executor_status && !(container.oom && container.status != 0)) reported.status = *executor_status;
  record.termination = termination::make(reported, record.destroying, record.mem_bytes);
  if (record.override_mode && !record.destroying) tell_task_end(record, container);
  record.ended_at = now();
  locked.save();
  spdlog::info("container {} ended: {}", record.container_id, record.termination->message());
  // The durable save above is the `ended` hook's claim: whoever records the
  // Termination runs the hook, and no one records it twice. At most once:
  // a crash (or the agent's SIGKILL) between the save and the hook's end
  // loses that run instead of repeating it, because the rule is
  // "never twice" and a hook that registers and deregisters services or
  // firewall rules must not act twice on one container. Without the lock:
  // every other call on the container reads the Termination meanwhile.
  locked.release();
  hooks::ended(settings, record);
  return *record.termination;
}

Watch::Watch(const state::Store& store, const std::string& id, int reader) : reader_(reader) {
  inotify_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  // The status files land in the run directory; a record replaced (a
  // destroy, another call's Termination) or removed, and override mode's
  // executor-exit, in the container's.
  if (inotify_ >= 0) {
    run_watch_ = ::inotify_add_watch(inotify_, store.run_dir(id).c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
    dir_watch_ = ::inotify_add_watch(inotify_, store.dir(id).c_str(), IN_MOVED_TO | IN_MOVE_SELF | IN_DELETE_SELF);
  }
  complete_ = run_watch_ >= 0 && dir_watch_ >= 0;
}

Watch::~Watch() {
  if (inotify_ >= 0) ::close(inotify_);
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
  alignas(struct inotify_event) char buffer[4096];
  for (ssize_t n; inotify_ >= 0 && (n = ::read(inotify_, buffer, sizeof buffer)) > 0;)
    for (const char* p = buffer; p < buffer + n;) {
      const auto* event = reinterpret_cast<const struct inotify_event*>(p);
      const std::string name = event->len ? event->name : "";
      if (event->wd != run_watch_ || (event->mask & IN_Q_OVERFLOW))
        news = News::ours;
      else if (name == "exit" && news == News::none)
        news = News::status;
      p += sizeof(struct inotify_event) + event->len;
    }
  return news;
}

void Watch::block() {
  using Clock = std::chrono::steady_clock;
  // At most one look per kStatusLook for `exit` events: a task renaming
  // onto it in a loop would otherwise have this root process, outside the
  // container's cgroup, look at the container as fast as it can.
  constexpr auto kStatusLook = std::chrono::milliseconds(100);
  bool status_seen = false;
  for (;;) {
    struct pollfd fds[4] = {{inotify_, POLLIN, 0}, {init_, POLLIN, 0}, {supervisor_, POLLIN, 0}, {reader_, 0, 0}};
    // Every change has a watch: no timeout. A watch missing (no run
    // directory, out of inotify instances): a look each second instead.
    int timeout = complete_ ? -1 : 1000;
    if (status_seen)
      timeout = static_cast<int>(std::max<long long>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(next_status_look_ - Clock::now()).count()));
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
    const bool ended = exited(init_, fds[1]) | exited(supervisor_, fds[2]);
    if (fds[3].revents) reader_ = -1;  // not ours to close
    if (ended || fds[3].revents || news == News::ours) break;
    if (news == News::status) {
      status_seen = true;
      if (Clock::now() >= next_status_look_) break;
    }
  }
  next_status_look_ = Clock::now() + kStatusLook;
}

// What the sweep would do to a record: nothing, remove its container, or
// forget it (its container is gone and the agent collected its sandbox).
enum class Due { nothing, removal, forgetting };

Due due(const state::Record& record, const Settings& settings) {
  // Another agent's (a shared state directory) is its own sweep's.
  if (!state::ours(record, Settings::work_directory())) return Due::nothing;
  // Until a wait delivered the Termination the container stays, so that
  // `containers` keeps listing it and the agent comes to wait for it.
  if (!record.termination || !record.delivered) return Due::nothing;
  if (!record.removed) return now() - record.ended_at >= settings.remove_delay ? Due::removal : Due::nothing;
  std::error_code ignored;
  return fs::exists(record.sandbox, ignored) ? Due::nothing : Due::forgetting;
}

// Does what is due to one record.
void sweep_record(const Settings& settings, const state::Store& store, const std::string& id,
                  std::optional<docker::Client>& docker) {
  auto locked = state::Locked::open(store, id);
  if (!locked) return;
  auto& record = locked->record();
  if (due(record, settings) == Due::removal) {
    if (!docker) docker.emplace(settings);
    docker->remove(record.name);
    record.removed = true;
    locked->save();
    spdlog::info("removed ended container {}", record.name);
  }
  if (due(record, settings) == Due::forgetting) locked->remove();
}

void sweep(const Settings& settings) {
  state::Store store(settings.state_dir);
  std::optional<docker::Client> docker;
  // One container that cannot be removed blocks no other: it is tried
  // again by the next sweep.
  for (const auto& id : store.ids()) {
    try {
      sweep_record(settings, store, id, docker);
    } catch (const std::exception& e) {
      spdlog::warn("container {}: not cleaned up: {}", id, e.what());
    }
  }
}

void delivered(const Settings& settings, const std::string& id) {
  try {
    state::Store store(settings.state_dir);
    auto locked = state::Locked::open(store, id);
    if (!locked || locked->record().delivered || !locked->record().termination) return;
    locked->record().delivered = true;
    locked->save();
  } catch (const std::exception& e) {
    spdlog::warn("container {}: delivery not recorded: {}", id, e.what());
  }
}

void start_sweep(const Settings& settings, const std::set<std::string>& running) {
  // Called after the result is written: a failure here must not fail the call.
  try {
    // A look without locks first: forking a sweeper when there is nothing
    // to do would cost every `containers` and `wait` call for nothing.
    state::Store store(settings.state_dir);
    bool needed = false;
    for (const auto& id : store.ids()) {
      if (needed || running.count(id)) continue;
      auto record = store.peek(id);
      needed = record && due(*record, settings) != Due::nothing;
    }
    if (needed) process::detached([&settings] {
      sweep(settings);
      return 0;
    });
  } catch (const std::exception& e) {
    spdlog::warn("cleanup of ended containers not started: {}", e.what());
  }
}

}  // namespace dc::ending
