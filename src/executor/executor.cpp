// Three threads: this one runs the task (task.hpp) on what the other two
// report under one mutex: the subscriber holds the agent's event stream and
// resubscribes after a lost connection; the watcher sleeps until the
// container ends (wait's own machinery: inotify and a pidfd, no docker
// client). A KILL's `docker stop` runs in a fourth, so the grace period
// blocks nothing.
#include "executor/executor.hpp"

#include <condition_variable>
#include <csignal>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "commands/commands.hpp"
#include "docker.hpp"
#include "executor/agent.hpp"
#include "executor/task.hpp"
#include "ids.hpp"
#include "log.hpp"
#include "process.hpp"
#include "state.hpp"

namespace dc::executor {
namespace {

using Clock = std::chrono::steady_clock;
using mesos::v1::executor::Event;
using namespace std::chrono_literals;

// How long after the container's end the executor waits, while the agent is
// connected, for the terminal update's acknowledgement (or for a LAUNCH that
// never came). Mesos's command executor waits 1 s and exits regardless.
constexpr auto kAcknowledgementWait = 30s;
// SHUTDOWN leaves the agent this much of its grace period to see
// TASK_KILLED (Mesos's command executor: MAX_REAP_INTERVAL + 1 s).
constexpr auto kShutdownMargin = 2s;

std::string random_uuid() {
  std::random_device random;
  std::string bytes(16, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(random() & 0xff);
  // Version 4, as Mesos's UUID::random() makes them.
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);
  return bytes;
}

const char* state_name(mesos::TaskState state) {
  switch (state) {
    case mesos::TASK_RUNNING: return "TASK_RUNNING";
    case mesos::TASK_FINISHED: return "TASK_FINISHED";
    case mesos::TASK_FAILED: return "TASK_FAILED";
    case mesos::TASK_KILLED: return "TASK_KILLED";
    default: return "TASK_?";
  }
}

class Executor {
 public:
  Executor(const Settings& settings, std::string id, Config config, std::string name)
      : settings_(settings), id_(std::move(id)), config_(std::move(config)), name_(std::move(name)),
        agent_(config_), task_(config_.executor_id, random_uuid) {}

  int run();

 private:
  void subscribe_loop();
  void watch();
  void take_inputs();
  bool over();
  void handle(const Event& event);
  void send(const std::vector<mesos::TaskStatus>& updates);
  void stop(std::optional<Duration> grace, const char* why);
  void abandon(const std::string& why);
  std::optional<Clock::time_point> deadline() const;

  const Settings& settings_;
  const std::string id_;
  const Config config_;
  const std::string name_;  // the docker container
  const Agent agent_;

  std::mutex mutex_;  // guards everything below
  std::condition_variable changed_;
  Task task_;
  std::deque<Event> events_;
  std::optional<termination::Exit> exit_;
  uint64_t mem_limit_bytes_ = 0;
  bool exit_reported_ = false;
  bool connected_ = false;
  bool gave_up_ = false;   // the subscriber stopped trying (no checkpointing)
  bool abandoned_ = false; // the agent is gone: stop the container and exit
  bool quitting_ = false;  // tells the subscriber to stop
  Clock::time_point disconnected_at_ = Clock::now();
  std::optional<Clock::time_point> ended_at_;
  http::Stream* stream_ = nullptr;
  std::thread stopper_;
};

int Executor::run() {
  spdlog::info("container {}: executor {} of framework {} subscribing to {}", id_, config_.executor_id,
               config_.framework_id, config_.agent.authority());
  std::thread watcher([this] { watch(); });
  std::thread subscriber([this] { subscribe_loop(); });
  {
    std::unique_lock lock(mutex_);
    for (;;) {
      take_inputs();
      if (over()) break;
      if (auto until = deadline())
        changed_.wait_until(lock, *until);
      else
        changed_.wait(lock);
    }
    quitting_ = true;
    if (stream_) stream_->cancel();
  }
  changed_.notify_all();
  subscriber.join();
  watcher.join();
  if (stopper_.joinable()) stopper_.join();
  spdlog::info("container {}: executor done, the container {}", id_, termination::describe(exit_->status));
  return termination::exit_code(exit_->status);
}

// What the other threads reported, fed to the task.
void Executor::take_inputs() {
  while (!events_.empty()) {
    Event event = std::move(events_.front());
    events_.pop_front();
    handle(event);
  }
  if (exit_ && !exit_reported_) {
    exit_reported_ = true;
    ended_at_ = Clock::now();
    send(task_.ended(*exit_, mem_limit_bytes_));
  }
}

// True once the executor's work is over; gives the task up when the agent is gone.
bool Executor::over() {
  if (task_.done()) return true;
  const auto now = Clock::now();
  if (!abandoned_ && gave_up_) abandon("lost the agent (the framework does not checkpoint)");
  if (!abandoned_ && !connected_ && now - disconnected_at_ >= config_.recovery_timeout)
    abandon("the agent did not come back within MESOS_RECOVERY_TIMEOUT");
  if (abandoned_ && exit_) return true;
  if (ended_at_ && connected_ && now - *ended_at_ >= kAcknowledgementWait) {
    spdlog::warn("container {}: {}; exiting", id_,
                 task_.launched() ? "the terminal update was not acknowledged" : "the agent sent no LAUNCH");
    return true;
  }
  return false;
}

// The next moment the loop must look again without being told.
std::optional<Clock::time_point> Executor::deadline() const {
  std::optional<Clock::time_point> until;
  if (!connected_ && !abandoned_) until = disconnected_at_ + config_.recovery_timeout;
  if (ended_at_) {
    const auto ack = *ended_at_ + kAcknowledgementWait;
    if (!until || ack < *until) until = ack;
  }
  return until;
}

void Executor::handle(const Event& event) {
  switch (event.type()) {
    case Event::SUBSCRIBED:
      spdlog::info("container {}: subscribed", id_);
      break;
    case Event::LAUNCH:
      send(task_.launch(event.launch().task()));
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
      stop(task_.shutdown(std::max(Duration(0), config_.shutdown_grace - kShutdownMargin)), "SHUTDOWN");
      break;
    case Event::ERROR:
      spdlog::warn("container {}: the agent reports an error: {}", id_, event.error().message());
      break;
    default:
      break;
  }
}

void Executor::send(const std::vector<mesos::TaskStatus>& updates) {
  for (const auto& update : updates) {
    try {
      agent_.update(update);
      spdlog::info("container {}: {} of task {} sent{}", id_, state_name(update.state()),
                   update.task_id().value(), update.message().empty() ? "" : ": " + update.message());
    } catch (const Error& e) {
      // Kept: it goes again with the next SUBSCRIBE.
      spdlog::warn("container {}: {} not delivered: {}", id_, state_name(update.state()), e.what());
    }
  }
}

void Executor::stop(std::optional<Duration> grace, const char* why) {
  if (!grace || stopper_.joinable()) return;
  const double seconds = std::chrono::duration<double>(*grace).count();
  spdlog::info("container {}: {}: stopping the container with a grace period of {} s", id_, why, seconds);
  stopper_ = std::thread([this, seconds] {
    try {
      docker::Client(settings_).stop(name_, seconds);
    } catch (const Error& e) {
      std::lock_guard lock(mutex_);
      spdlog::error("container {}: {}", id_, e.what());
    }
  });
}

void Executor::abandon(const std::string& why) {
  abandoned_ = true;
  quitting_ = true;
  if (stream_) stream_->cancel();
  changed_.notify_all();
  spdlog::warn("container {}: {}", id_, why);
  stop(task_.shutdown(std::max(Duration(0), config_.shutdown_grace - kShutdownMargin)), "no agent");
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
    try {
      auto stream = agent_.subscribe(unacknowledged);
      {
        std::lock_guard lock(mutex_);
        if (quitting_) return;
        stream_ = stream.get();
        connected_ = true;
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
          events_.push_back(std::move(*event));
          changed_.notify_all();
        }
      }
      failure = "the agent closed the event stream";
    } catch (const Error& e) {
      failure = e.what();
    }
    std::unique_lock lock(mutex_);
    stream_ = nullptr;
    if (quitting_) return;
    if (connected_ || first)
      spdlog::warn("container {}: disconnected from the agent: {}{}", id_, failure,
                   config_.checkpoint ? "; retrying within MESOS_RECOVERY_TIMEOUT" : "");
    if (connected_) disconnected_at_ = Clock::now();
    connected_ = false;
    first = false;
    if (!config_.checkpoint) gave_up_ = true;
    changed_.notify_all();
    if (gave_up_) return;
    // Mesos's executor library retries after a random backoff up to the maximum.
    std::uniform_int_distribution<long long> backoff(0, config_.backoff_max.count());
    changed_.wait_for(lock, Duration(backoff(random)), [this] { return quitting_; });
  }
}

void Executor::watch() {
  termination::Exit exit{SIGKILL, false};
  try {
    exit = commands::container_end(settings_, id_);
  } catch (const Error& e) {
    std::lock_guard lock(mutex_);
    spdlog::error("{}", e.what());
  }
  uint64_t mem = 0;
  const state::Store store(settings_.state_dir);
  if (auto locked = state::Locked::open(store, id_, false)) mem = locked->record().mem_bytes;
  std::lock_guard lock(mutex_);
  exit_ = exit;
  mem_limit_bytes_ = mem;
  changed_.notify_all();
}

}  // namespace

int run(const Settings& settings, const std::string& container_id) {
  ids::validate("container id", container_id);
  const Config config = config_from(process::environment());
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
