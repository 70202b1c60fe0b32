#include "executor/health.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "base/log.hpp"

namespace dc::executor {
namespace {

using Clock = Schedule::Clock;

// A check's wait status in words. Not "exited with status N": the task's
// own terminal message says that, and frameworks take the task's exit code
// from the first such phrase in it.
std::string status_words(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + ::strsignal(WTERMSIG(status)) + ")";
  return "wait status " + std::to_string(status);
}

}  // namespace

Schedule::Schedule(const mesos::HealthCheck& check, Clock::time_point started)
    : check_(check), started_(started), due_(started + clock::duration_of(check.delay_seconds())) {}

Verdict Schedule::passed(Clock::time_point now) {
  due_ = now + clock::duration_of(check_.interval_seconds());
  failures_ = 0;
  Verdict verdict;
  if (told_ != true) verdict.healthy = told_ = true;
  return verdict;
}

Verdict Schedule::failed(const std::string& failure, Clock::time_point now) {
  due_ = now + clock::duration_of(check_.interval_seconds());
  // As in Mesos: within the grace period a failure counts for nothing.
  if (check_.grace_period_seconds() > 0 && now - started_ <= clock::duration_of(check_.grace_period_seconds()))
    return {};
  ++failures_;
  Verdict verdict;
  verdict.failure = failure;
  if (told_ != false) verdict.healthy = told_ = false;
  if (failures_ >= check_.consecutive_failures())
    verdict.kill = "health check `" + describe(check_.command()) + "` failed " + std::to_string(failures_) +
                   (failures_ == 1 ? " time" : " times in a row") + ", the last: " + failure;
  return verdict;
}

std::string refusal(const mesos::HealthCheck& check) {
  // Written so that NaN is refused too.
  if (!(check.interval_seconds() >= kMinimumInterval))
    return fmt::format("interval_seconds {:g} is below the minimum of {:g} s (one check after another with no "
                       "pause would fork without end in the container)",
                       check.interval_seconds(), kMinimumInterval);
  return "";
}

std::string describe(const mesos::CommandInfo& command) {
  if (command.shell()) return command.value();
  std::string text = command.value();
  for (int i = 1; i < command.arguments_size(); ++i) text += " " + command.arguments(i);
  return text;
}

enter::Command command_of(const mesos::CommandInfo& command) {
  enter::Command result;
  for (const auto& variable : command.environment().variables())
    result.environment[variable.name()] = variable.value();
  if (command.shell()) {
    result.file = "/bin/sh";
    result.argv = {"sh", "-c", command.value()};
  } else {
    result.file = command.value();
    result.argv.assign(command.arguments().begin(), command.arguments().end());
    if (result.argv.empty()) result.argv.push_back(command.value());
  }
  return result;
}

std::string failure_of(const enter::Outcome& outcome, double timeout_seconds) {
  if (outcome.timed_out) return fmt::format("timed out after {:g} s", timeout_seconds);
  if (!outcome.error.empty()) return outcome.error;
  if (outcome.status != 0) return status_words(outcome.status);
  return "";
}

Checker::Checker(const mesos::HealthCheck& check, int pid, enter::Container container, docker::Client docker,
                 Report report)
    : check_(check), pid_(pid), container_(std::move(container)), docker_(std::move(docker)),
      report_(std::move(report)) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
}

Checker::~Checker() {
  stop();
  if (thread_.joinable()) thread_.join();
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void Checker::stop() {
  if (!stopped_.exchange(true)) (void)!::write(wake_[1], "x", 1);
}

// Sleeps until `until`; false when stopped meanwhile.
bool Checker::pause_until(Clock::time_point until) {
  struct pollfd wake = {wake_[0], POLLIN, 0};
  while (!stopped_) {
    const int left = clock::poll_ms(until);
    if (left == 0) return true;
    if (::poll(&wake, 1, left) > 0) return false;
  }
  return false;
}

// The end of the container kills every process in its pid namespace, the
// check too, and closes the check channel: that is no verdict on the task's
// health. The init's pidfd tells its exit a moment after.
bool Checker::ended_with_container(const enter::Init& init, const enter::Outcome& outcome) {
  const bool killed = outcome.error.empty() && !outcome.timed_out && WIFSIGNALED(outcome.status) &&
                      WTERMSIG(outcome.status) == SIGKILL;
  return !init.alive() || ((killed || outcome.lost) && init.exits_within(1.0));
}

void Checker::run() {
  Schedule schedule(check_, Clock::now());
  std::optional<enter::Init> init;
  try {
    init.emplace(pid_);
  } catch (const Error& e) {
    spdlog::warn("no health checks: {}", e.what());
    return;
  }
  const enter::Command command = command_of(check_.command());
  // Never a check once the container has ended.
  while (pause_until(schedule.due()) && init->alive()) {
    const enter::Outcome outcome =
        enter::run(container_, command, docker_, check_.timeout_seconds(), wake_[0], false);
    if (outcome.cancelled || stopped_) return;
    const std::string failure = failure_of(outcome, check_.timeout_seconds());
    if (!failure.empty() && ended_with_container(*init, outcome)) return;
    const Verdict verdict = failure.empty() ? schedule.passed(Clock::now()) : schedule.failed(failure, Clock::now());
    if (verdict.healthy || verdict.kill) report_(verdict);
    if (verdict.kill) return;
  }
}

}  // namespace dc::executor
