// dc::process on this host, without docker: a process's identity
// (pid + start time), waiting for a child, and programs under a time limit.
#include "host/process.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <string>

#include "base/error.hpp"

namespace process = dc::process;
using Clock = std::chrono::steady_clock;

namespace {

// A forked child that runs until `release` is closed, then exits 0; its
// name (comm) is `name` by the time held_child returns.
struct HeldChild {
  pid_t pid = -1;
  int release = -1;
};

HeldChild held_child(const char* name) {
  int hold[2], ready[2];
  REQUIRE(::pipe(hold) == 0);
  REQUIRE(::pipe(ready) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::prctl(PR_SET_NAME, name);
    ::close(hold[1]);
    ::close(ready[0]);
    ::close(ready[1]);  // tells the parent the name is set
    char byte;
    while (::read(hold[0], &byte, 1) > 0) {
    }
    ::_exit(0);
  }
  ::close(hold[0]);
  ::close(ready[1]);
  char byte;
  REQUIRE(::read(ready[0], &byte, 1) == 0);
  ::close(ready[0]);
  return {pid, hold[1]};
}

// The output of `program` (stdout and stderr) and its outcome.
std::pair<process::Outcome, std::string> run_captured(process::Program program, double timeout_seconds,
                                                      int cancel_fd = -1) {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  program.output_fd = out[1];
  const process::Outcome outcome = process::run(program, timeout_seconds, cancel_fd);
  ::close(out[1]);
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
  ::close(out[0]);
  return {outcome, text};
}

process::Program shell(const std::string& script) { return {"/bin/sh", {"sh", "-c", script}, {}}; }

}  // namespace

TEST_CASE("start_time and same_process name one process, whatever its name holds") {
  const HeldChild child = held_child("a) b (c");
  const unsigned long long start = process::start_time(child.pid);
  CHECK(start >= process::start_time(::getpid()));
  CHECK(process::start_time(::getpid()) > 0);
  CHECK(process::same_process(child.pid, start));
  CHECK(process::same_process(child.pid, 0));
  CHECK_FALSE(process::same_process(child.pid, start + 1));

  ::close(child.release);
  CHECK(process::reap(child.pid) == 0);
  CHECK(process::start_time(child.pid) == 0);
  CHECK_FALSE(process::same_process(child.pid, start));
}

TEST_CASE("exits_by: false while the child runs, true once it exits, not reaped") {
  const HeldChild child = held_child("held");
  CHECK_FALSE(process::exits_by(child.pid, dc::clock::deadline_after(0.05)));
  ::close(child.release);
  CHECK(process::exits_by(child.pid, dc::clock::deadline_after(30)));
  CHECK(::kill(child.pid, 0) == 0);  // a zombie until reaped
  const int status = process::reap(child.pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("run: exactly the program's argv and environment, its exit status and output") {
  process::Program program = shell("echo \"$1 $X\"; echo err >&2; exit 3");
  program.argv.insert(program.argv.end(), {"sh", "first"});  // $0 and $1
  program.environment = {{"X", "from the program"}};
  const auto [outcome, output] = run_captured(program, 30);
  CHECK(WIFEXITED(outcome.status));
  CHECK(WEXITSTATUS(outcome.status) == 3);
  CHECK_FALSE(outcome.timed_out);
  CHECK_FALSE(outcome.cancelled);
  CHECK(output == "first from the program\nerr\n");
}

TEST_CASE("run: in /, with stdin on /dev/null") {
  const auto [outcome, output] = run_captured(shell("pwd; cat"), 30);
  CHECK(WEXITSTATUS(outcome.status) == 0);
  CHECK(output == "/\n");
}

TEST_CASE("run: past its time limit the whole group is killed") {
  const auto started = Clock::now();
  const auto [outcome, output] = run_captured(shell("sleep 60 & sleep 60"), 0.2);
  CHECK(outcome.timed_out);
  CHECK(WIFSIGNALED(outcome.status));
  CHECK(WTERMSIG(outcome.status) == SIGKILL);
  // The background child held the output pipe too: reading it ended, so it died.
  CHECK(output.empty());
  CHECK(Clock::now() - started < std::chrono::seconds(30));
}

TEST_CASE("run: a readable cancel_fd kills it") {
  int cancel[2];
  REQUIRE(::pipe(cancel) == 0);
  REQUIRE(::write(cancel[1], "x", 1) == 1);
  const auto [outcome, output] = run_captured(shell("sleep 60"), 60, cancel[0]);
  ::close(cancel[0]);
  ::close(cancel[1]);
  CHECK(outcome.cancelled);
  CHECK_FALSE(outcome.timed_out);
  CHECK(WIFSIGNALED(outcome.status));
}

TEST_CASE("run: a program that cannot be executed throws") {
  CHECK_THROWS_AS(process::run({"/nonexistent/program", {"program"}, {}}, 30), dc::Error);
}
