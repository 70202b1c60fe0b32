// Health checks, the pure parts: the schedule and count of failures as
// Mesos 1.0.1 has them, the checks refused, the check's command.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>

#include "container/enter.hpp"
#include "executor/health.hpp"

using Catch::Matchers::Contains;
using namespace std::chrono_literals;
using namespace std::string_literals;
using dc::executor::Schedule;

namespace {

mesos::HealthCheck shell_check(const std::string& value) {
  mesos::HealthCheck check;
  check.mutable_command()->set_value(value);
  return check;
}

// With its grace period and the failures in a row that kill.
mesos::HealthCheck shell_check(const std::string& value, double grace_seconds, uint32_t failures) {
  auto check = shell_check(value);
  check.set_grace_period_seconds(grace_seconds);
  check.set_consecutive_failures(failures);
  return check;
}

}  // namespace

TEST_CASE("health check defaults are Mesos 1.0.1's") {
  const mesos::HealthCheck check;
  CHECK(check.delay_seconds() == 15);
  CHECK(check.interval_seconds() == 10);
  CHECK(check.timeout_seconds() == 20);
  CHECK(check.consecutive_failures() == 3);
  CHECK(check.grace_period_seconds() == 10);
  CHECK(check.command().shell());
}

TEST_CASE("schedule: the first check after the delay, each next one an interval after the last ended") {
  const auto t0 = Schedule::Clock::now();
  Schedule schedule(shell_check("true"), t0);
  CHECK(schedule.due() == t0 + 15s);
  schedule.passed(t0 + 16s);
  CHECK(schedule.due() == t0 + 26s);
  schedule.failed("exit status 1", t0 + 27s);
  CHECK(schedule.due() == t0 + 37s);
}

TEST_CASE("schedule: a framework's huge or NaN seconds never overflow the clock") {
  const auto t0 = Schedule::Clock::now();
  auto check = shell_check("true");
  check.set_delay_seconds(1e300);
  check.set_interval_seconds(1e12);
  Schedule schedule(check, t0);
  CHECK(schedule.due() > t0 + 24h * 365);
  schedule.passed(t0);
  CHECK(schedule.due() > t0 + 24h * 365);
  check.set_delay_seconds(std::nan(""));
  CHECK(Schedule(check, t0).due() == t0);
}

TEST_CASE("schedule: the first result and every change are told, repeats are not") {
  const auto t0 = Schedule::Clock::now();
  const auto check = shell_check("true", 0, 10);
  Schedule schedule(check, t0);
  auto first = schedule.passed(t0 + 1s);
  CHECK(first.healthy == std::optional<bool>(true));
  CHECK_FALSE(first.kill);
  CHECK_FALSE(schedule.passed(t0 + 2s).healthy);
  auto failed = schedule.failed("exit status 1", t0 + 3s);
  CHECK(failed.healthy == std::optional<bool>(false));
  CHECK(failed.failure == "exit status 1");
  CHECK_FALSE(schedule.failed("exit status 1", t0 + 4s).healthy);
  CHECK(schedule.passed(t0 + 5s).healthy == std::optional<bool>(true));
  // A first result that is a failure is told too.
  Schedule failing(check, t0);
  CHECK(failing.failed("exit status 1", t0 + 1s).healthy == std::optional<bool>(false));
}

TEST_CASE("schedule: failures within the grace period count for nothing") {
  const auto t0 = Schedule::Clock::now();
  Schedule schedule(shell_check("[ -f ready ]", 10, 2), t0);
  for (auto at : {1s, 5s, 10s}) {
    auto verdict = schedule.failed("exit status 1", t0 + at);
    CHECK_FALSE(verdict.healthy);
    CHECK_FALSE(verdict.kill);
  }
  CHECK(schedule.failed("exit status 1", t0 + 11s).healthy == std::optional<bool>(false));
  auto kill = schedule.failed("timed out after 2 s", t0 + 12s);
  REQUIRE(kill.kill);
  CHECK(*kill.kill == "health check `[ -f ready ]` failed 2 times in a row, the last: timed out after 2 s");
}

TEST_CASE("schedule: consecutive_failures in a row kill; a pass in between starts the count again") {
  const auto t0 = Schedule::Clock::now();
  auto check = shell_check("check");
  check.set_grace_period_seconds(0);
  Schedule schedule(check, t0);
  CHECK_FALSE(schedule.failed("exit status 1", t0 + 1s).kill);
  CHECK_FALSE(schedule.failed("exit status 1", t0 + 2s).kill);
  schedule.passed(t0 + 3s);
  CHECK_FALSE(schedule.failed("exit status 1", t0 + 4s).kill);
  CHECK_FALSE(schedule.failed("exit status 1", t0 + 5s).kill);
  CHECK(schedule.failed("exit status 2", t0 + 6s).kill);
  check.set_consecutive_failures(1);
  Schedule once(check, t0);
  CHECK_THAT(*once.failed("exit status 1", t0 + 1s).kill, Contains("failed 1 time, the last: exit status 1"));
}

TEST_CASE("a check with no pause between checks is refused (Mesos 1.0.1 sets no minimum)") {
  auto check = shell_check("true");
  CHECK(dc::executor::refusal(check) == "");  // the default, 10 s
  check.set_interval_seconds(dc::executor::kMinimumInterval);
  CHECK(dc::executor::refusal(check) == "");
  for (double interval : {0.0, -1.0, 0.01, std::nan("")}) {
    check.set_interval_seconds(interval);
    CHECK_THAT(dc::executor::refusal(check), Contains("below the minimum of 0.1 s"));
  }
}

TEST_CASE("the check's command: a shell line, or an argv whose first word is argv[0]") {
  mesos::CommandInfo shell;
  shell.set_value("[ -f ready ] && echo $GREETING");
  auto* variable = shell.mutable_environment()->add_variables();
  variable->set_name("GREETING");
  variable->set_value("from the check");
  auto command = dc::executor::command_of(shell);
  CHECK(command.file == "/bin/sh");
  CHECK(command.argv == std::vector<std::string>{"sh", "-c", "[ -f ready ] && echo $GREETING"});
  // Only the check's own: the init adds them to the container's.
  CHECK(command.environment == dc::enter::Environment{{"GREETING", "from the check"}});
  CHECK(dc::executor::describe(shell) == "[ -f ready ] && echo $GREETING");

  mesos::CommandInfo argv;
  argv.set_shell(false);
  argv.set_value("cat");
  argv.add_arguments("cat");
  argv.add_arguments("ready");
  command = dc::executor::command_of(argv);
  CHECK(command.file == "cat");
  CHECK(command.argv == std::vector<std::string>{"cat", "ready"});
  CHECK(dc::executor::describe(argv) == "cat ready");
  argv.clear_arguments();
  CHECK(dc::executor::command_of(argv).argv == std::vector<std::string>{"cat"});
}

TEST_CASE("a check's outcome as a failure") {
  using dc::enter::Outcome;
  using dc::executor::failure_of;
  CHECK(failure_of(Outcome{}, 20) == "");
  CHECK(failure_of(Outcome{1 << 8, false, false, ""}, 20) == "exit status 1");
  CHECK(failure_of(Outcome{SIGKILL, false, false, ""}, 20) == "killed by signal 9 (Killed)");
  CHECK(failure_of(Outcome{SIGKILL, true, false, ""}, 2.5) == "timed out after 2.5 s");
  CHECK(failure_of(Outcome{0, false, false, "cannot execute nosuch: No such file or directory"}, 20) ==
        "cannot execute nosuch: No such file or directory");
}
