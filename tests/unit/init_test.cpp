// The container's PID 1 (src/init/containerizer_init.c), built with
// AddressSanitizer and UndefinedBehaviorSanitizer, run as a host process:
// output to the log files, the status file, signal forwarding, orphan
// reaping and its own refusals, with no sanitizer report.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "helpers.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

struct Run {
  int code = -1;
  std::string out, err, status, own_err;
};

std::string read_or_empty(const fs::path& path) { return fs::exists(path) ? dc_test::slurp(path.string()) : ""; }

// Runs the init with `args`; `during(pid, dir)` runs while it is alive.
Run run_init(const std::vector<std::string>& args, const std::function<void(pid_t, const fs::path&)>& during = {}) {
  char tmpl[] = "/tmp/dc-init-test.XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  const fs::path dir = tmpl;
  std::vector<std::string> argv = {DC_INIT_SANITIZED, "--stdout", (dir / "out").string(), "--stderr",
                                   (dir / "err").string(), "--status", (dir / "status").string()};
  if (!args.empty() && args[0] == "--raw") argv = {DC_INIT_SANITIZED};
  argv.insert(argv.end(), args.begin() + (!args.empty() && args[0] == "--raw"), args.end());
  const std::string sanitizer_log = "log_path=" + (dir / "sanitizer").string();
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = ::open((dir / "own-err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDERR_FILENO);
    ::setenv("ASAN_OPTIONS", (sanitizer_log + ":detect_leaks=1").c_str(), 1);
    ::setenv("UBSAN_OPTIONS", (sanitizer_log + ":print_stacktrace=1").c_str(), 1);
    std::vector<char*> c_argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    ::execv(c_argv[0], c_argv.data());
    ::_exit(99);
  }
  if (during) during(pid, dir);
  int status = 0;
  ::waitpid(pid, &status, 0);
  Run run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = read_or_empty(dir / "out");
  run.err = read_or_empty(dir / "err");
  run.status = read_or_empty(dir / "status");
  run.own_err = read_or_empty(dir / "own-err");
  std::string reports;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().rfind("sanitizer", 0) == 0) reports += dc_test::slurp(entry.path().string());
  fs::remove_all(dir);
  CHECK(reports.empty());
  return run;
}

// Until `path` holds `text`: the child's own signal that it got there.
void await_text(const fs::path& path, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (read_or_empty(path).find(text) == std::string::npos) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The init exited with `code`, and its status file holds the waitpid `status`.
void check_end(const Run& run, int code, int status) {
  CHECK(run.code == code);
  CHECK_THAT(run.status, StartsWith("status " + std::to_string(status) + "\n"));
}

}  // namespace

TEST_CASE("the init sends output to the log files and writes the status file") {
  Run run = run_init({"--", "/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(run.out == "out\n");
  CHECK(run.err == "err\n");
  check_end(run, 3, 768);
  CHECK_THAT(run.status, Contains("\noom_kill "));
}

TEST_CASE("the init reports a death by signal as 128+S and the raw status") {
  Run run = run_init({"--", "/bin/sh", "-c", "kill -TERM $$"});
  check_end(run, 143, 15);
}

TEST_CASE("the init forwards a signal to its child") {
  Run run = run_init({"--", "/bin/sh", "-c", "echo ready; exec sleep 600"}, [](pid_t pid, const fs::path& dir) {
    await_text(dir / "out", "ready");
    ::kill(pid, SIGTERM);
  });
  check_end(run, 143, 15);
}

TEST_CASE("the init reaps orphans and still reports its child's exit") {
  Run run = run_init({"--", "/bin/sh", "-c", "(sleep 0.2 &); (exit 4 &); exit 5"});
  check_end(run, 5, 1280);
}

TEST_CASE("the init runs argv0 as given") {
  Run run = run_init({"--argv0", "renamed", "--", "/bin/sh", "-c", "echo $0"});
  CHECK(run.code == 0);
  CHECK(run.out == "renamed\n");
}

TEST_CASE("the init reports a command that cannot run as 127") {
  Run run = run_init({"--", "/nonexistent/command"});
  CHECK(run.code == 127);
  CHECK_THAT(run.err, Contains("cannot execute /nonexistent/command"));
  CHECK_THAT(run.status, StartsWith("status 32512\n"));
}

TEST_CASE("the init refuses bad arguments in one line") {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--raw", "--bogus", "x", "--", "true"},
                                               {"--raw", "--stdout"}, {"--raw", "--stdout", "/dev/null"},
                                               {"--raw", "--"}}) {
    Run run = run_init(args);
    CHECK(run.code == 127);
    CHECK(std::count(run.own_err.begin(), run.own_err.end(), '\n') == 1);
    CHECK_THAT(run.own_err, StartsWith("containerizer-init: "));
  }
}

TEST_CASE("the init refuses a log file it cannot open") {
  Run run = run_init({"--raw", "--stdout", "/nonexistent/dir/out", "--", "true"});
  CHECK(run.code == 127);
  CHECK_THAT(run.own_err, Contains("cannot open /nonexistent/dir/out"));
}
