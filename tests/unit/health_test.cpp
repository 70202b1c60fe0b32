// Health checks, the pure parts: the schedule and count of failures as
// Mesos 1.0.1 has them, the check's command, and reading the container's
// init from /proc (enter.hpp's parsers).
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "enter.hpp"
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

TEST_CASE("the check's command: a shell line, or an argv whose first word is argv[0]") {
  mesos::CommandInfo shell;
  shell.set_value("[ -f ready ] && echo $GREETING");
  auto* variable = shell.mutable_environment()->add_variables();
  variable->set_name("GREETING");
  variable->set_value("from the check");
  const dc::enter::Environment container = {{"PATH", "/bin"}, {"GREETING", "from the task"}, {"HOME", "/"}};
  auto command = dc::executor::command_of(shell, container);
  CHECK(command.file == "/bin/sh");
  CHECK(command.argv == std::vector<std::string>{"sh", "-c", "[ -f ready ] && echo $GREETING"});
  CHECK(command.environment.at("GREETING") == "from the check");
  CHECK(command.environment.at("PATH") == "/bin");
  CHECK(dc::executor::describe(shell) == "[ -f ready ] && echo $GREETING");

  mesos::CommandInfo argv;
  argv.set_shell(false);
  argv.set_value("cat");
  argv.add_arguments("cat");
  argv.add_arguments("ready");
  command = dc::executor::command_of(argv, container);
  CHECK(command.file == "cat");
  CHECK(command.argv == std::vector<std::string>{"cat", "ready"});
  CHECK(dc::executor::describe(argv) == "cat ready");
  argv.clear_arguments();
  CHECK(dc::executor::command_of(argv, container).argv == std::vector<std::string>{"cat"});
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

TEST_CASE("enter: the init's credentials from /proc/<pid>/status") {
  const std::string status =
      "Name:\tcontainerizer-i\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\n"
      "Uid:\t65534\t65534\t65534\t65534\nGid:\t65533\t65533\t65533\t65533\nFDSize:\t64\nGroups:\t4 27 \n";
  auto credentials = dc::enter::parse_credentials(status);
  REQUIRE(credentials);
  CHECK(credentials->uid == 65534);
  CHECK(credentials->gid == 65533);
  CHECK(credentials->groups == std::vector<uint32_t>{4, 27});
  CHECK(dc::enter::parse_credentials("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n")->groups.empty());
  CHECK_FALSE(dc::enter::parse_credentials("Uid:\t0\t0\t0\t0\nGroups:\t\n"));
  CHECK_FALSE(dc::enter::parse_credentials("Uid:\tx\nGid:\t0\nGroups:\t\n"));
  CHECK_FALSE(dc::enter::parse_credentials(""));
}

TEST_CASE("enter: the init's environment from /proc/<pid>/environ") {
  const std::string environ = "PATH=/usr/bin:/bin\0HOSTNAME=web\0EMPTY=\0A=b=c\0junk\0"s;
  auto environment = dc::enter::parse_environ(environ);
  CHECK(environment.size() == 4);
  CHECK(environment.at("PATH") == "/usr/bin:/bin");
  CHECK(environment.at("EMPTY").empty());
  CHECK(environment.at("A") == "b=c");
  CHECK(dc::enter::parse_environ("").empty());
}

TEST_CASE("enter: ids seen through a user namespace's map") {
  const std::string map = "         0     100000      65536\n     65536       1000          1\n";
  CHECK(dc::enter::map_inside(100000, map) == std::optional<uint32_t>(0));
  CHECK(dc::enter::map_inside(165535, map) == std::optional<uint32_t>(65535));
  CHECK(dc::enter::map_inside(1000, map) == std::optional<uint32_t>(65536));
  CHECK_FALSE(dc::enter::map_inside(165536, map));
  CHECK_FALSE(dc::enter::map_inside(0, map));
  CHECK(dc::enter::map_inside(7, "0 0 4294967295\n") == std::optional<uint32_t>(7));
}
