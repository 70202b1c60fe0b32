// Five threads, and a sixth for a KILL's `docker stop` so that the grace
// period blocks nothing. This one runs the task (task.hpp) on what the others
// report under one mutex, and sleeps on a condition until the next deadline
// that lies ahead (never one already past: that spun at 0.9 s of CPU per
// second while an agent was away). The subscriber holds the agent's event
// stream and subscribes again after a lost connection. The courier sends
// what the outbox says is due, one call at a time, retrying on a fresh
// connection, and asks the agent whether it still answers while the
// executor waits on it. The watcher sleeps until the container ends (wait's
// own machinery: inotify and a pidfd, no docker client). The inspector asks
// docker once for what TASK_RUNNING tells of the container. A health check
// has a thread of its own (health.hpp).
#include "executor/executor.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "container/observed.hpp"
#include "container/state.hpp"
#include "docker/docker.hpp"
#include "executor/agent.hpp"
#include "executor/health.hpp"
#include "executor/lifetime.hpp"
#include "executor/task.hpp"
#include "host/inotify.hpp"
#include "host/process.hpp"
#include "protocol/naming.hpp"

namespace dc::executor {
namespace {

using Clock = std::chrono::steady_clock;
using mesos::v1::executor::Event;
using namespace std::chrono_literals;

// SHUTDOWN leaves the agent this much of its grace period to see
// TASK_KILLED (Mesos's command executor: MAX_REAP_INTERVAL + 1 s).
constexpr auto kShutdownMargin = 2s;
// Once the container has ended, the executor waits on the agent (for LAUNCH,
// for an acknowledgement) for as long as the agent answers, and asks it this
// often; Lifetime::kAgentSilence without an answer ends the wait.
constexpr auto kProbeEvery = 5s;

// A restarted agent recovers its containerizer before it calls `wait` for
// each container (slave.cpp _recover): our recover, containers and wait
// calls, seconds on a busy machine. Past this, the executor subscribes
// without that wait (see agent_restarting()).
constexpr auto kAgentRecovery = 15s;

std::string random_uuid() {
  std::random_device random;
  std::string bytes(16, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(random() & 0xff);
  // Version 4, as Mesos's UUID::random() makes them.
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);
  return bytes;
}

// Saves of a container's record: each is a rename into its directory.
class RecordSaves {
 public:
  explicit RecordSaves(const std::string& dir)
      : watched_(saves_.add(dir, IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF) >= 0) {}

  // Until a save, `until`, or `wake_fd` is readable. Without a watch (out
  // of inotify instances), 100 ms at most.
  void await(Clock::time_point until, int wake_fd) {
    if (!watched_) until = std::min(until, Clock::now() + 100ms);
    struct pollfd fds[2] = {{saves_.fd(), POLLIN, 0}, {wake_fd, POLLIN, 0}};
    if (::poll(fds, 2, clock::poll_ms(until)) > 0 && fds[0].revents) saves_.drain();
  }

 private:
  inotify::Watches saves_;
  bool watched_;
};

class Executor {
 public:
  Executor(const Settings& settings, std::string id, Config config, std::string name)
      : settings_(settings), id_(std::move(id)), config_(std::move(config)), name_(std::move(name)),
        agent_(config_), task_(config_.executor_id, random_uuid) {}
  ~Executor() {
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  int run();

 private:
  void subscribe_loop();
  void deliver();
  void attempt(std::unique_lock<std::mutex>& lock, const mesos::TaskStatus& update);
  void probe(std::unique_lock<std::mutex>& lock);
  bool answers(std::unique_lock<std::mutex>& lock) const;
  void watch();
  void inspect();
  void take_inputs();
  bool over();
  bool agent_restarting(std::unique_lock<std::mutex>& lock) const;
  void await_recovery(std::unique_lock<std::mutex>& lock);
  void handle(const Event& event);
  void queued(const std::vector<mesos::TaskStatus>& updates);
  void start_checks(const mesos::TaskInfo& task);
  void health(const Verdict& verdict);
  void record_task_end(std::unique_lock<std::mutex>& lock);
  void stop(std::optional<Task::Stop> stop, const char* why);
  void abandon(const std::string& why);
  void quit();

  const Settings& settings_;
  const std::string id_;
  const Config config_;
  const std::string name_;  // the docker container
  const Agent agent_;

  std::mutex mutex_;  // guards everything below
  std::condition_variable changed_;
  Task task_;
  std::deque<Event> events_;
  std::optional<docker::Container> inspected_;
  std::unique_ptr<Checker> checker_;
  std::optional<termination::Exit> exit_;
  uint64_t mem_limit_bytes_ = 0;
  bool exit_reported_ = false;
  bool quitting_ = false;        // tells the other threads to stop (quit())
  const int wake_fd_ = ::eventfd(0, EFD_CLOEXEC);  // readable once quitting_, for waits outside the mutex
  const Clock::time_point started_ = Clock::now();
  Lifetime lifetime_{config_, started_};
  std::optional<mesos::TaskStatus> task_end_;  // a terminal update to record (record_task_end)
  http::Stream* stream_ = nullptr;
  std::thread stopper_;
};

int Executor::run() {
  spdlog::info("container {}: executor {} of framework {} subscribing to {}", id_, config_.executor_id,
               config_.framework_id, config_.agent.authority());
  std::thread watcher([this] { watch(); });
  std::thread inspector([this] { inspect(); });
  std::thread subscriber([this] { subscribe_loop(); });
  std::thread courier([this] { deliver(); });
  {
    std::unique_lock lock(mutex_);
    for (;;) {
      take_inputs();
      while (task_end_) record_task_end(lock);
      if (over()) break;
      if (auto until = lifetime_.deadline(task_))
        changed_.wait_until(lock, *until);
      else
        changed_.wait(lock);
    }
    quit();
  }
  subscriber.join();
  courier.join();
  watcher.join();
  inspector.join();
  // Its verdict may be waiting for the mutex: destroyed without it.
  std::unique_ptr<Checker> checker;
  {
    std::lock_guard lock(mutex_);
    checker = std::move(checker_);
  }
  checker.reset();
  if (stopper_.joinable()) stopper_.join();
  spdlog::info("container {}: executor done, the container {}", id_, termination::describe(exit_->status));
  return termination::exit_code(exit_->status);
}

// What the other threads reported, fed to the task. Events wait for the
// inspect, as Mesos's docker executor holds TASK_RUNNING (and a kill) until
// its inspect returned: they stay in order.
void Executor::take_inputs() {
  while (inspected_ && !events_.empty()) {
    Event event = std::move(events_.front());
    events_.pop_front();
    handle(event);
  }
  if (exit_ && !exit_reported_) {
    exit_reported_ = true;
    if (checker_) checker_->stop();
    queued(task_.container_exited(*exit_, mem_limit_bytes_));
  }
}

// Acts on what the lifetime decides: true once the executor's work is over.
bool Executor::over() {
  const auto decision = lifetime_.over(task_, Clock::now());
  if (decision.abandon) abandon(*decision.abandon);
  if (decision.agent_silent)
    spdlog::warn("container {}: the agent has not answered for {} s ({}); exiting, the container's "
                 "termination tells the agent how the task ended",
                 id_, Lifetime::kAgentSilence.count(),
                 task_.launched() ? "the terminal update is not acknowledged" : "no LAUNCH came");
  return decision.over;
}

void Executor::handle(const Event& event) {
  switch (event.type()) {
    case Event::SUBSCRIBED:
      spdlog::info("container {}: subscribed", id_);
      task_.subscribed(event.subscribed().framework_info());
      break;
    case Event::LAUNCH:
      queued(task_.launch(event.launch().task(), {inspected_->ip, inspected_->output}));
      start_checks(event.launch().task());
      break;
    case Event::KILL:
      stop(task_.kill(event.kill().has_kill_policy() ? &event.kill().kill_policy() : nullptr,
                      config_.shutdown_grace),
           "KILL");
      break;
    case Event::ACKNOWLEDGED:
      task_.acknowledged(event.acknowledged().uuid());
      break;
    case Event::SHUTDOWN:
      lifetime_.shutdown(Clock::now());
      stop(task_.shutdown(std::max(Duration(0), config_.shutdown_grace - kShutdownMargin)), "SHUTDOWN");
      break;
    case Event::ERROR:
      spdlog::warn("container {}: the agent reports an error: {}", id_, event.error().message());
      break;
    default:
      break;
  }
}

// New updates are in the outbox: wake the courier.
void Executor::queued(const std::vector<mesos::TaskStatus>& updates) {
  // Recorded by run()'s thread, without the mutex.
  for (const auto& update : updates)
    if (is_terminal(update.state())) task_end_ = update;
  if (!updates.empty()) changed_.notify_all();
}

// The task's command health check, as Mesos's docker executor runs them.
void Executor::start_checks(const mesos::TaskInfo& task) {
  if (!task.has_health_check() || checker_ || task_.container_ended()) return;
  const auto& check = task.health_check();
  if (!check.has_command() || check.command().value().empty()) {
    spdlog::warn("container {}: no health checks: only command health checks are supported", id_);
    return;
  }
  if (inspected_->pid <= 0) {
    spdlog::warn("container {}: no health checks: the container is not running", id_);
    return;
  }
  if (const std::string why = refusal(check); !why.empty()) {
    spdlog::warn("container {}: no health checks: {}", id_, why);
    return;
  }
  spdlog::info("container {}: health check `{}` in the container: the first after {:g} s, then every {:g} s, "
               "timeout {:g} s; {} failure(s) in a row after a grace period of {:g} s kill the task",
               id_, describe(check.command()), check.delay_seconds(), check.interval_seconds(),
               check.timeout_seconds(), check.consecutive_failures(), check.grace_period_seconds());
  const enter::Container container{state::Store(settings_.state_dir).run_dir(id_), name_};
  checker_ = std::make_unique<Checker>(check, inspected_->pid, container, docker::Client(docker::cli_of(settings_)),
                                       [this](const Verdict& verdict) { health(verdict); });
}

// From the checker's thread.
void Executor::health(const Verdict& verdict) {
  std::lock_guard lock(mutex_);
  if (verdict.healthy) {
    if (*verdict.healthy)
      spdlog::info("container {}: health check passed", id_);
    else
      spdlog::warn("container {}: health check failed: {}", id_, verdict.failure);
    queued(task_.health(*verdict.healthy));
  }
  if (verdict.kill) {
    spdlog::warn("container {}: killing the task: {}", id_, *verdict.kill);
    stop(task_.unhealthy(*verdict.kill, config_.shutdown_grace), "health check");
  }
}

// Writes task_end_ into the record. The record's lock may be held by a
// call for a while: the mutex is let go meanwhile, so that the other
// threads (subscriber, courier, health checks) never wait behind it.
void Executor::record_task_end(std::unique_lock<std::mutex>& lock) {
  mesos::containerizer::Termination end;
  end.set_state(task_end_->state());
  end.set_message(task_end_->message());
  if (task_end_->has_reason()) end.add_reasons(task_end_->reason());
  task_end_.reset();
  lock.unlock();
  std::string failure;
  try {
    const state::Store store(settings_.state_dir);
    if (auto locked = state::Locked::open(store, id_)) {
      locked->record().task_end = end;
      locked->save();
    }
  } catch (const Error& e) {
    failure = e.what();
  }
  lock.lock();
  if (!failure.empty()) spdlog::warn("container {}: the task's end is not recorded: {}", id_, failure);
}

// The courier: one call at a time, in the outbox's order, only while
// subscribed (the agent refuses an UPDATE from an executor it has not
// subscribed: 403); the next SUBSCRIBE carries what is still unacknowledged.
void Executor::deliver() {
  std::unique_lock lock(mutex_);
  Clock::time_point probed_at = started_;
  while (!quitting_) {
    const auto now = Clock::now();
    if (lifetime_.connected()) {
      if (auto update = task_.outbox().pick(now)) {
        attempt(lock, *update);
        continue;
      }
    }
    constexpr auto kNever = Clock::time_point::max();
    auto until = lifetime_.connected() ? task_.outbox().next().value_or(kNever) : kNever;
    if (lifetime_.waiting_on_agent(task_)) {
      const auto probe_at = std::max(lifetime_.heard_at(), probed_at) + kProbeEvery;
      if (now >= probe_at) {
        probed_at = now;
        probe(lock);
        continue;
      }
      until = std::min(until, probe_at);
    }
    if (until == kNever)
      changed_.wait(lock);
    else
      changed_.wait_until(lock, until);
  }
}

// Called and returns with `lock` held; the call itself runs without it.
void Executor::attempt(std::unique_lock<std::mutex>& lock, const mesos::TaskStatus& update) {
  std::string failure;
  bool fatal = false;
  lock.unlock();
  try {
    agent_.update(update);
  } catch (const Refused& e) {
    failure = e.what();
    fatal = e.fatal();
  } catch (const Error& e) {
    failure = e.what();
  }
  lock.lock();
  const auto now = Clock::now();
  const int attempts = task_.outbox().attempted(update.uuid(), failure.empty(), now);
  const std::string state = mesos::TaskState_Name(update.state()) +
                            (!update.has_healthy() ? "" : update.healthy() ? " (healthy)" : " (unhealthy)");
  if (failure.empty()) {
    lifetime_.heard(now);
    spdlog::info("container {}: {} of task {} sent{}{}", id_, state, update.task_id().value(),
                 attempts > 1 ? " at attempt " + std::to_string(attempts) : "",
                 update.message().empty() ? "" : ": " + update.message());
  } else if (fatal) {
    lifetime_.give_up("the agent no longer knows the executor: " + failure);
  } else if (attempts == 1 || attempts % 10 == 0) {
    spdlog::warn("container {}: {} not delivered ({} attempt(s)), retrying: {}", id_, state, attempts, failure);
  }
  changed_.notify_all();
}

// GET /health, without the lock: whether the agent answered.
bool Executor::answers(std::unique_lock<std::mutex>& lock) const {
  lock.unlock();
  bool answered = true;
  try {
    agent_.health();
  } catch (const Error&) {
    answered = false;
  }
  lock.lock();
  return answered;
}

void Executor::probe(std::unique_lock<std::mutex>& lock) {
  if (answers(lock)) lifetime_.heard(Clock::now());
  changed_.notify_all();
}

void Executor::stop(std::optional<Task::Stop> stop, const char* why) {
  // As Mesos: a task being killed is checked no more.
  if (checker_) checker_->stop();
  if (!stop || stopper_.joinable()) return;
  queued(stop->updates);
  const double seconds = std::chrono::duration<double>(stop->grace).count();
  spdlog::info("container {}: {}: stopping the container with a grace period of {} s", id_, why, seconds);
  stopper_ = std::thread([this, seconds] {
    try {
      docker::Client(docker::cli_of(settings_)).stop(name_, seconds);
    } catch (const Error& e) {
      std::lock_guard lock(mutex_);
      spdlog::error("container {}: {}", id_, e.what());
    }
  });
}

// Under the mutex.
void Executor::quit() {
  quitting_ = true;
  if (stream_) stream_->cancel();
  const uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
  changed_.notify_all();
}

void Executor::abandon(const std::string& why) {
  lifetime_.abandoned();
  quit();
  spdlog::warn("container {}: {}", id_, why);
  stop(task_.shutdown(std::max(Duration(0), config_.shutdown_grace - kShutdownMargin)), "no agent");
}

// 0.28 and 1.0 agents take a SUBSCRIBE while they still recover, before
// their containerizer has the container back: the resource update that
// follows fails, and the agent destroys the container (slave.cpp runTasks,
// "Failed to update resources ... destroying container"; seen on a busy
// 0.28.2 agent as TASK_KILLED after its restart). A restarted agent's first
// call for a container it recovered is our `wait`, which notes that agent:
// while the agent noted last is gone, its successor has not got that far.
// Read without the mutex (file I/O).
bool Executor::agent_restarting(std::unique_lock<std::mutex>& lock) const {
  lock.unlock();
  auto record = state::Store(settings_.state_dir).peek(id_);
  lock.lock();
  return record && record->agent_gone;
}

// Waits while agent_restarting(): for the next agent's `wait`, or, should
// it never come (an agent that lost its work directory knows nothing of the
// container), kAgentRecovery after that agent first answers.
void Executor::await_recovery(std::unique_lock<std::mutex>& lock) {
  if (quitting_ || !agent_restarting(lock)) return;
  spdlog::info("container {}: the agent is gone; subscribing once the next one has recovered it", id_);
  // Watched before the record is read again, so that no save is missed.
  RecordSaves saves(state::Store(settings_.state_dir).dir(id_));
  std::optional<Clock::time_point> answering_since;
  while (!quitting_ && agent_restarting(lock)) {
    if (answering_since && Clock::now() >= *answering_since + kAgentRecovery) {
      spdlog::warn("container {}: the agent answers but has not recovered the container after {} s; subscribing",
                   id_, std::chrono::duration_cast<std::chrono::seconds>(kAgentRecovery).count());
      return;
    }
    if (!answering_since && answers(lock)) answering_since = Clock::now();
    // The next agent's wait saves the record; until that agent answers, it
    // is asked again each second.
    const auto until = answering_since ? *answering_since + kAgentRecovery : Clock::now() + 1s;
    lock.unlock();
    saves.await(until, wake_fd_);
    lock.lock();
  }
}

void Executor::subscribe_loop() {
  std::mt19937 random(std::random_device{}());
  bool first = true;
  for (;;) {
    mesos::v1::executor::Call::Subscribe unacknowledged;
    {
      std::lock_guard lock(mutex_);
      if (quitting_) return;
      unacknowledged = task_.unacknowledged();
    }
    std::string failure;
    // Owned out here, not in the try: stream_ points at it until it is
    // cleared under the lock below, and run() or abandon() may cancel it
    // until then, also while a read() that threw unwinds.
    std::unique_ptr<http::Stream> stream;
    try {
      stream = agent_.subscribe(unacknowledged);
      {
        std::lock_guard lock(mutex_);
        if (quitting_) return;
        stream_ = stream.get();
        const auto now = Clock::now();
        lifetime_.subscribed(now);
        // The agent handles the updates a SUBSCRIBE carries as received.
        task_.outbox().subscribed(now);
        if (!first)
          spdlog::info("container {}: resubscribed, {} unacknowledged update(s) resent", id_,
                       unacknowledged.unacknowledged_updates_size());
        changed_.notify_all();
      }
      Events events;
      while (auto bytes = stream->read()) {
        events.feed(*bytes);
        while (auto event = events.next()) {
          std::lock_guard lock(mutex_);
          lifetime_.heard(Clock::now());
          events_.push_back(std::move(*event));
          changed_.notify_all();
        }
      }
      failure = "the agent closed the event stream";
    } catch (const Refused& e) {
      failure = e.what();
      std::lock_guard lock(mutex_);
      lifetime_.heard(Clock::now());
      if (e.fatal()) lifetime_.give_up(failure);
    } catch (const Error& e) {
      failure = e.what();
    }
    std::unique_lock lock(mutex_);
    stream_ = nullptr;
    stream.reset();
    if (quitting_) return;
    const bool was_connected = lifetime_.connected();
    if (was_connected || first)
      spdlog::warn("container {}: disconnected from the agent: {}{}", id_, failure,
                   config_.checkpoint ? "; retrying within MESOS_RECOVERY_TIMEOUT" : "");
    lifetime_.disconnected(Clock::now());
    first = false;
    // Without checkpointing, the agent that lost the stream has lost the
    // executor too (Mesos's executor library shuts down at once).
    if (was_connected && !config_.checkpoint && !lifetime_.gave_up())
      lifetime_.give_up("lost the agent (the framework does not checkpoint)");
    changed_.notify_all();
    if (lifetime_.gave_up()) return;
    // Mesos's executor library retries after a random backoff up to the
    // maximum, which the agent sets to its re-registration window (2 s):
    // a retry just past the window finds the executor shut down (seen on a
    // 0.28.2 agent: TASK_KILLED). Up to half of it, two tries fall inside.
    std::uniform_int_distribution<long long> backoff(0, config_.backoff_max.count() / 2);
    changed_.wait_for(lock, Duration(backoff(random)), [this] { return quitting_; });
    // Just before the next try: the agent may have gone during the backoff.
    await_recovery(lock);
  }
}

// Once, before TASK_RUNNING: without an answer it goes without the network.
void Executor::inspect() {
  docker::Container container;
  try {
    if (auto found = docker::Client(docker::cli_of(settings_)).inspect(name_)) container = *found;
  } catch (const Error& e) {
    std::lock_guard lock(mutex_);
    spdlog::warn("container {}: TASK_RUNNING goes without the container's network: {}", id_, e.what());
  }
  std::lock_guard lock(mutex_);
  inspected_ = container;
  changed_.notify_all();
}

void Executor::watch() {
  termination::Exit exit{SIGKILL, false};
  try {
    exit = ending::container_end(settings_, id_);
  } catch (const Error& e) {
    std::lock_guard lock(mutex_);
    spdlog::error("{}", e.what());
  }
  uint64_t mem = 0;
  const state::Store store(settings_.state_dir);
  if (auto locked = state::Locked::open(store, id_, false)) mem = locked->record().mem_bytes;
  std::lock_guard lock(mutex_);
  exit_ = exit;
  lifetime_.exited();
  mem_limit_bytes_ = mem;
  changed_.notify_all();
}

}  // namespace

int run(const Settings& settings, const std::string& container_id) {
  ids::validate("container id", container_id);
  const Config config = config_from(settings.environment.variables);
  std::string name;
  {
    const state::Store store(settings.state_dir);
    auto locked = state::Locked::open(store, container_id, false);
    if (!locked) throw Error("container " + container_id + ": unknown (no record in " + settings.state_dir + ")");
    name = locked->record().name;
  }
  return Executor(settings, container_id, config, name).run();
}

}  // namespace dc::executor
