// The container's PID 1 (src/init/containerizer_init.c), built with
// AddressSanitizer and UndefinedBehaviorSanitizer, run as a host process:
// output to the log files (directly, or through pipes with rotation), the
// status file, signal forwarding, orphan reaping, the commands it runs for
// the host (--checks, asked as enter.hpp asks) and its own refusals, with
// no sanitizer report.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "container/enter.hpp"
#include "docker/docker.hpp"
#include "helpers.hpp"
#include "protocol/check_channel.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

struct Run {
  int code = -1;
  std::string out, err, status, own_err;
  std::map<std::string, std::string> files;  // every file the init left, by name
};

std::string read_or_empty(const fs::path& path) { return fs::exists(path) ? dc_test::slurp(path.string()) : ""; }

// Runs the init with `args` in a fresh directory, after `before(dir)`;
// `during(pid, dir)` runs while it is alive.
Run run_init(const std::vector<std::string>& args, const std::function<void(pid_t, const fs::path&)>& during = {},
             const std::function<void(const fs::path&)>& before = {}) {
  char tmpl[] = "/tmp/dc-init-test.XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  const fs::path dir = tmpl;
  if (before) before(dir);
  std::vector<std::string> argv = {DC_INIT_SANITIZED, "--stdout", (dir / "out").string(), "--stderr",
                                   (dir / "err").string(), "--status", (dir / "status").string()};
  if (!args.empty() && args[0] == "--raw") argv = {DC_INIT_SANITIZED};
  argv.insert(argv.end(), args.begin() + (!args.empty() && args[0] == "--raw"), args.end());
  for (auto& arg : argv)
    if (arg.rfind("DIR/", 0) == 0) arg = (dir / arg.substr(4)).string();
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
    if (entry.path().filename().string().rfind("sanitizer", 0) == 0)
      reports += dc_test::slurp(entry.path().string());
    else if (entry.is_regular_file())
      run.files[entry.path().filename().string()] = dc_test::slurp(entry.path().string());
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

// `args` as given (rotation off: the task writes the files itself) and with
// rotation on (the task writes to pipes the init copies), as a test section.
std::vector<std::string> both_ways(std::vector<std::string> args) {
  if (GENERATE(false, true)) {
    args.insert(args.begin(), {"--log-max-size", "1000000"});
    UNSCOPED_INFO("rotation on");
  }
  return args;
}

// The lines of `text`, which must end with a newline.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  CHECK((text.empty() || text.back() == '\n'));
  return lines;
}

// `text` is lines first..last of seq, each whole, once, in order.
void check_sequence(const std::string& text, int first, int last) {
  const auto lines = lines_of(text);
  size_t same = 0;
  while (same < lines.size() && lines[same] == std::to_string(first + static_cast<int>(same))) same++;
  INFO("line " << same + 1 << ": '" << (same < lines.size() ? lines[same] : "") << "'");
  CHECK(same == lines.size());
  CHECK(lines.size() == static_cast<size_t>(last - first + 1));
}

}  // namespace

TEST_CASE("the init sends output to the log files and writes the status file") {
  Run run = run_init(both_ways({"--", "/bin/sh", "-c", "echo out; echo err >&2; exit 3"}));
  CHECK(run.out == "out\n");
  CHECK(run.err == "err\n");
  check_end(run, 3, 768);
  CHECK_THAT(run.status, Contains("\noom_kill "));
}

TEST_CASE("the init reports a death by signal as 128+S and the raw status") {
  Run run = run_init(both_ways({"--", "/bin/sh", "-c", "kill -TERM $$"}));
  check_end(run, 143, 15);
}

TEST_CASE("the init forwards a signal to its child") {
  Run run = run_init(both_ways({"--", "/bin/sh", "-c", "echo ready; exec sleep 600"}), [](pid_t pid, const fs::path& dir) {
    await_text(dir / "out", "ready");
    ::kill(pid, SIGTERM);
  });
  check_end(run, 143, 15);
}

TEST_CASE("the init reaps orphans and still reports its child's exit") {
  Run run = run_init(both_ways({"--", "/bin/sh", "-c", "(sleep 0.2 &); (exit 4 &); exit 5"}));
  check_end(run, 5, 1280);
}

TEST_CASE("the init runs argv0 as given") {
  Run run = run_init(both_ways({"--argv0", "renamed", "--", "/bin/sh", "-c", "echo $0"}));
  CHECK(run.code == 0);
  CHECK(run.out == "renamed\n");
}

TEST_CASE("the init reports a command that cannot run as 127") {
  Run run = run_init(both_ways({"--", "/nonexistent/command"}));
  CHECK(run.code == 127);
  CHECK_THAT(run.err, Contains("cannot execute /nonexistent/command"));
  CHECK_THAT(run.status, StartsWith("status 32512\n"));
}

TEST_CASE("the task writes the files itself without rotation, pipes with it") {
  const std::vector<std::string> show = {"--", "/bin/sh", "-c", "readlink /proc/$$/fd/1; readlink /proc/$$/fd/2 >&2"};
  Run direct = run_init(show);
  CHECK_THAT(direct.out, StartsWith("/tmp/dc-init-test.") && Contains("/out\n"));
  CHECK_THAT(direct.err, Contains("/err\n"));
  Run piped = run_init({"--log-max-size", "100", "--", "/bin/sh", "-c", "readlink /proc/$$/fd/1; readlink /proc/$$/fd/2 >&2"});
  CHECK_THAT(piped.out, StartsWith("pipe:["));
  CHECK_THAT(piped.err, StartsWith("pipe:["));
}

TEST_CASE("the init rotates each stream past the size, keeping KEEP files of whole lines") {
  // 1..3000 are 13893 bytes: 14 files of 1000 bytes would hold them all.
  Run run = run_init({"--log-max-size", "1000", "--log-keep", "3", "--", "/bin/sh", "-c",
                      "seq 1 3000 & seq 1 3000 >&2; wait"});
  CHECK(run.code == 0);
  for (const std::string stream : {"out", "err"}) {
    INFO(stream);
    CHECK(run.files.count(stream + ".3"));
    CHECK_FALSE(run.files.count(stream + ".4"));
    std::string kept;
    for (const auto& name : {stream + ".3", stream + ".2", stream + ".1", stream}) {
      const std::string& text = run.files[name];
      INFO(name);
      CHECK(text.size() <= 1000);
      if (name != stream) CHECK(text.size() > 1000 - 5);  // rotated within a line of the size
      kept += text;
    }
    const auto lines = lines_of(kept);
    REQUIRE(!lines.empty());
    check_sequence(kept, std::stoi(lines[0]), 3000);
  }
}

TEST_CASE("rotation leaves the log file in place: copied out and truncated, never renamed") {
  // The host pins SANDBOX/stdout and stderr as mount points in the
  // container, which a rename cannot move: the file opened before the run
  // must be the one holding the last lines after it.
  int held = -1;
  Run run = run_init({"--log-max-size", "1000", "--log-keep", "2", "--", "/bin/sh", "-c", "seq 1 3000"}, {},
                     [&held](const fs::path& dir) {
                       held = ::open((dir / "out").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
                     });
  REQUIRE(held >= 0);
  std::string text(4096, '\0');
  const ssize_t n = ::pread(held, text.data(), text.size(), 0);
  ::close(held);
  REQUIRE(n >= 0);
  text.resize(static_cast<size_t>(n));
  CHECK(run.code == 0);
  CHECK(text == run.out);
  CHECK(run.files.count("out.2"));
  check_sequence(run.files["out.2"] + run.files["out.1"] + run.out, std::stoi(lines_of(run.files["out.2"])[0]), 3000);
}

TEST_CASE("a line longer than the size stays whole up to 64 KiB beyond it") {
  Run run = run_init({"--log-max-size", "10", "--log-keep", "5", "--", "/bin/sh", "-c",
                      "echo 0123456789abcdefghij; echo klmnopqrstuvwxyz0123; head -c 102400 /dev/zero | tr '\\0' a; "
                      "echo"});
  CHECK(run.code == 0);
  CHECK(run.files["out.3"] == "0123456789abcdefghij\n");
  CHECK(run.files["out.2"] == "klmnopqrstuvwxyz0123\n");
  // Cut at 10 + 64 KiB; the rest starts the next file.
  CHECK(run.files["out.1"] == std::string(10 + 65536, 'a'));
  CHECK(run.files["out"] == std::string(102400 - 10 - 65536, 'a') + "\n");
}

TEST_CASE("KEEP 0 starts the file over") {
  Run run = run_init({"--log-max-size", "1000", "--log-keep", "0", "--", "/bin/sh", "-c", "seq 1 3000"});
  CHECK(run.files.count("out.1") == 0);
  const auto lines = lines_of(run.out);
  REQUIRE(!lines.empty());
  check_sequence(run.out, std::stoi(lines[0]), 3000);
}

TEST_CASE("a rotation that fails is reported once and writing goes on in the file") {
  Run run = run_init({"--log-max-size", "1000", "--", "/bin/sh", "-c", "seq 1 3000"}, {},
                     [](const fs::path& dir) { fs::create_directories(dir / "out.1" / "in-the-way"); });
  CHECK(run.code == 0);
  check_sequence(run.out, 1, 3000);
  CHECK_THAT(run.err, StartsWith("containerizer-init: cannot rotate ") && Contains("/out: Is a directory"));
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
}

TEST_CASE("with rotation, the init drains what its child wrote and does not wait for a daemon holding the pipe") {
  // The daemon keeps both pipes open; it prints its pid first.
  Run run = run_init({"--log-max-size", "100000000", "--", "/bin/sh", "-c", "sleep 600 & echo $!; seq 1 200000"});
  const std::string first = run.out.substr(0, run.out.find('\n'));
  REQUIRE(!first.empty());
  ::kill(std::stoi(first), SIGKILL);
  CHECK(run.code == 0);
  check_sequence(run.out.substr(first.size() + 1), 1, 200000);
}

TEST_CASE("the init refuses bad arguments in one line") {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--raw", "--bogus", "x", "--", "true"},
                                               {"--raw", "--stdout"}, {"--raw", "--stdout", "/dev/null"},
                                               {"--raw", "--"}, {"--raw", "--log-max-size", "0", "--", "true"},
                                               {"--raw", "--log-max-size", "10M", "--", "true"},
                                               {"--raw", "--log-max-size", "-1", "--", "true"},
                                               {"--raw", "--log-max-size", "1", "--log-keep", "x", "--", "true"}}) {
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

// --- Checks ----------------------------------------------------------------

namespace {

// Until `path` exists or the test's deadline.
void await_path(const fs::path& path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!fs::exists(fs::symlink_status(path))) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Whether process `pid` is gone (reaped by the init, its subreaper).
bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// A long task and the check socket in DIR; `during(dir, ask)` asks for
// commands while the init runs, then the task is ended.
using Ask = std::function<dc::enter::Outcome(const dc::enter::Command&, double)>;
void with_checks(const std::function<void(const fs::path&, const Ask&)>& during) {
  Run run = run_init(both_ways({"--checks", "DIR/checks.sock", "--", "/bin/sh", "-c", "exec sleep 600"}),
                     [&](pid_t pid, const fs::path& dir) {
                       await_path(dir / CHECK_CHANNEL_NAME);
                       const dc::docker::Client docker{dc::docker::cli_of(dc::Settings{})};
                       during(dir, [&](const dc::enter::Command& command, double timeout) {
                         return dc::enter::run({dir.string(), "no-such-container"}, command, docker, timeout, -1,
                                               false);
                       });
                       ::kill(pid, SIGTERM);
                     });
  check_end(run, 143, 15);
}

}  // namespace

TEST_CASE("the init runs a check in its own environment with the check's variables, and tells its status") {
  with_checks([](const fs::path& dir, const Ask& ask) {
    const std::string seen = (dir / "seen").string();
    const auto outcome = ask({"sh", {"sh", "-c", "echo \"$GREETING $HOME\" >" + seen + "; exit 3"}, {{"GREETING", "hi"}}}, 30);
    CHECK(outcome.error == "");
    CHECK(outcome.status == 3 << 8);
    CHECK(dc_test::slurp(seen) == "hi " + std::string(std::getenv("HOME")) + "\n");
    CHECK(ask({"nosuch-command", {"nosuch-command"}, {}}, 30).error ==
          "cannot execute nosuch-command: No such file or directory");
  });
}

TEST_CASE("a check past its time is killed with its whole group when the host hangs up") {
  with_checks([](const fs::path& dir, const Ask& ask) {
    const std::string pids = (dir / "pids").string();
    const auto outcome = ask({"sh", {"sh", "-c", "sleep 600 & echo $! $$ >" + pids + "; wait"}, {}}, 0.5);
    CHECK(outcome.timed_out);
    std::istringstream both(dc_test::slurp(pids));
    pid_t child = 0, shell = 0;
    both >> child >> shell;
    REQUIRE(child > 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!gone(child) || !gone(shell)) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
}

TEST_CASE("the init serves a bounded number of connections; the rest wait, then are refused") {
  with_checks([](const fs::path& dir, const Ask& ask) {
    // 4 served (idle: no request), then 4 + 1 waiting in the backlog (the
    // kernel's limit): connected until the init accepts no more.
    std::vector<int> held;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (held.size() < 2 * CHECK_SLOTS + 1) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      struct sockaddr_un address = {};
      address.sun_family = AF_UNIX;
      std::snprintf(address.sun_path, sizeof address.sun_path, "%s", (dir / CHECK_CHANNEL_NAME).c_str());
      if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        held.push_back(fd);
        continue;
      }
      CHECK(errno == EAGAIN);  // the backlog is full until the init accepts
      ::close(fd);
    }
    CHECK_THAT(ask({"true", {"true"}, {}}, 30).error, Contains("takes no more commands now"));
    for (int fd : held) ::close(fd);
    // Their slots free again, and the init serves on.
    dc::enter::Outcome outcome;
    while (!(outcome = ask({"true", {"true"}, {}}, 30)).error.empty()) REQUIRE(std::chrono::steady_clock::now() < deadline);
    CHECK(outcome.status == 0);
  });
}

TEST_CASE("the host connects to nothing but a socket at the channel's name") {
  with_checks([](const fs::path& dir, const Ask& ask) {
    const fs::path channel = dir / CHECK_CHANNEL_NAME;
    const dc::enter::Command command{"true", {"true"}, {}};
    fs::rename(channel, dir / "real.sock");
    fs::create_symlink(dir / "real.sock", channel);
    CHECK_THAT(ask(command, 30).error, Contains("is not a socket (the task replaced it): refused"));
    fs::remove(channel);
    REQUIRE(::mkfifo(channel.c_str(), 0600) == 0);
    CHECK_THAT(ask(command, 30).error, Contains("is not a socket"));
    fs::remove(channel);
    std::ofstream(channel) << "status 0\n";
    CHECK_THAT(ask(command, 30).error, Contains("is not a socket"));
    fs::remove(channel);
    fs::rename(dir / "real.sock", channel);
    CHECK(ask(command, 30).status == 0);
  });
}
