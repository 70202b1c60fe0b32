#pragma once
// The task's command health check (TaskInfo.health_check), scheduled as
// Mesos 1.0.1's health checker does it (src/health-check/health_checker.hpp):
// the first check `delay_seconds` after the task started, each next one
// `interval_seconds` after the last ended; a check that outlives
// `timeout_seconds` fails and is killed; failures within
// `grace_period_seconds` of the start are ignored; `consecutive_failures`
// failures in a row kill the task. The first result and every change go to
// the agent as TASK_RUNNING with `healthy` set (Mesos repeats each failure).
// Each check is run by the container's own init, with exactly the
// container's confinement, its user and environment (enter.hpp), with no
// docker client (Mesos's docker executor runs a `docker exec` per check;
// so does this one for a container that has no check channel).
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "container/enter.hpp"
#include "docker/docker.hpp"
#include "mesos.pb.h"

namespace dc::executor {

// What the executor does with a check's result.
struct Verdict {
  std::optional<bool> healthy;      // tell the agent: the first result, or a change
  std::string failure;              // the check's, when it failed
  std::optional<std::string> kill;  // kill the task, for this reason (the check and its last failure)
};

// The schedule and the count of failures. Pure.
class Schedule {
 public:
  using Clock = std::chrono::steady_clock;
  Schedule(const mesos::HealthCheck& check, Clock::time_point started);

  // When the next check is to start.
  Clock::time_point due() const { return due_; }
  // A check ended at `now`: it passed, or failed as `failure` says.
  Verdict passed(Clock::time_point now);
  Verdict failed(const std::string& failure, Clock::time_point now);

 private:
  const mesos::HealthCheck check_;
  const Clock::time_point started_;
  Clock::time_point due_;
  std::optional<bool> told_;  // what the agent was told last
  uint32_t failures_ = 0;     // in a row, after the grace period
};

// The shortest interval between checks. Mesos 1.0.1 sets none: 0 runs
// one check after the other with no pause, a fork loop in the container.
constexpr double kMinimumInterval = 0.1;

// Why the executor runs no checks of `check` ("" when it runs them).
std::string refusal(const mesos::HealthCheck& check);

// The check's command for messages: its shell command, or its argv.
std::string describe(const mesos::CommandInfo& command);

// What runs for `command`: `/bin/sh -c VALUE` (shell, the default), or VALUE
// with `arguments` as its argv (the first is argv[0]; none: VALUE alone),
// with the check's own environment variables (they win over the
// container's).
enter::Command command_of(const mesos::CommandInfo& command);

// Why a check's outcome is a failure ("" when it passed).
std::string failure_of(const enter::Outcome& outcome, double timeout_seconds);

// Runs the checks on a thread of its own, in `container`, whose init is
// `pid` (watched: no check starts once it has ended), and hands each
// verdict to `report` (called without any lock of the checker's). A kill
// verdict ends the checks.
class Checker {
 public:
  using Report = std::function<void(const Verdict&)>;
  Checker(const mesos::HealthCheck& check, int pid, enter::Container container, docker::Client docker,
          Report report);
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;
  // Stops, and waits for the thread: not under a lock that `report` takes.
  ~Checker();
  // No check after this one; a running check is killed. Never blocks.
  void stop();

 private:
  void run();
  bool pause_until(Schedule::Clock::time_point until);
  bool ended_with_container(const enter::Init& init, const enter::Outcome& outcome);

  const mesos::HealthCheck check_;
  const int pid_;
  const enter::Container container_;
  const docker::Client docker_;
  const Report report_;
  int wake_[2] = {-1, -1};  // stop() writes; the thread waits on it
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

}  // namespace dc::executor
