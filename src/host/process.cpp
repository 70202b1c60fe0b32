#include "host/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sstream>

#include "base/error.hpp"
#include "host/files.hpp"

namespace dc::process {
namespace {

void redirect(int from, int to_fd) {
  if (from >= 0) {
    ::dup2(from, to_fd);
    return;
  }
  int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, to_fd);
  if (null > 2) ::close(null);
}

[[noreturn]] void become(const std::function<int()>& body, int out_fd, int err_fd) {
  redirect(-1, STDIN_FILENO);
  redirect(out_fd, STDOUT_FILENO);
  redirect(err_fd, STDERR_FILENO);
  ::close_range(3, ~0u, 0);
  int code = 1;
  try {
    code = body();
  } catch (...) {
  }
  ::_exit(code);
}

// The child's side of run(): only async-signal-safe calls between fork and
// exec. An exec failure's errno goes back through `report`.
[[noreturn]] void exec_program(const char* file, char* const* argv, char* const* envp, int output_fd,
                               int error_fd, pid_t parent, int report) {
  prepare_child(parent, output_fd, error_fd);
  // Every descriptor but the three and the report pipe (close-on-exec).
  if (report > 3) ::close_range(3, report - 1, 0);
  ::close_range(report + 1, ~0u, 0);
  if (::chdir("/") == 0) ::execve(file, argv, envp);
  int error = errno;
  (void)!::write(report, &error, sizeof error);
  ::_exit(127);
}

}  // namespace

void prepare_child(pid_t parent, int out_fd, int err_fd) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
  // An ignored signal stays ignored across exec: ours ignores SIGPIPE.
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  redirect(-1, STDIN_FILENO);
  redirect(out_fd, STDOUT_FILENO);
  redirect(err_fd, STDERR_FILENO);
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

namespace {

enum class End { kExited, kTimedOut, kCancelled };

// Until child `pid` exits, `deadline` passes or `cancel_fd` (-1: none) is
// readable.
End await_end(pid_t pid, clock::Deadline deadline, int cancel_fd) {
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) throw Error(std::string("cannot watch the child: pidfd_open: ") + std::strerror(errno));
  struct pollfd fds[2] = {{pidfd, POLLIN, 0}, {cancel_fd, POLLIN, 0}};
  int ready;
  do {
    ready = ::poll(fds, 2, clock::poll_ms(deadline));
  } while (ready < 0 && errno == EINTR);
  ::close(pidfd);
  if (ready > 0 && fds[0].revents) return End::kExited;
  return ready > 0 ? End::kCancelled : End::kTimedOut;
}

}  // namespace

bool exits_by(pid_t pid, clock::Deadline deadline) { return await_end(pid, deadline, -1) == End::kExited; }

ExecVectors::ExecVectors(const std::vector<std::string>& argv, const std::map<std::string, std::string>& environment)
    : args_(argv) {
  for (const auto& [key, value] : environment) env_.push_back(key + "=" + value);
  for (auto& arg : args_) argv_.push_back(arg.data());
  for (auto& entry : env_) envp_.push_back(entry.data());
  argv_.push_back(nullptr);
  envp_.push_back(nullptr);
}

Outcome run(const Program& program, double timeout_seconds, int cancel_fd) {
  const ExecVectors vectors(program.argv, program.environment);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child < 0) {
    const std::string reason = std::strerror(errno);
    ::close(report[0]);
    ::close(report[1]);
    throw Error("fork: " + reason);
  }
  if (child == 0)
    exec_program(program.file.c_str(), vectors.argv(), vectors.envp(), program.output_fd,
                 program.error_fd == Program::kSameAsOutput ? program.output_fd : program.error_fd, parent, report[1]);
  ::setpgid(child, child);  // also here: the group must exist before any kill of it
  ::close(report[1]);
  int exec_error = 0;
  ssize_t n;
  while ((n = ::read(report[0], &exec_error, sizeof exec_error)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (n > 0) {
    reap(child);
    throw Error("cannot execute " + program.file + ": " + std::strerror(exec_error));
  }
  Outcome outcome;
  End end;
  try {
    end = await_end(child, clock::deadline_after(timeout_seconds), cancel_fd);
  } catch (const Error&) {
    ::kill(-child, SIGKILL);
    reap(child);
    throw;
  }
  outcome.timed_out = end == End::kTimedOut;
  outcome.cancelled = end == End::kCancelled;
  if (end != End::kExited) ::kill(-child, SIGKILL);
  outcome.status = reap(child);
  return outcome;
}

int detached(const std::function<int()>& body, int out_fd, int err_fd) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  pid_t child = ::fork();
  if (child < 0) throw Error(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ::close(report[0]);
      ::close(report[1]);
      become(body, out_fd, err_fd);
    }
    (void)!::write(report[1], &grandchild, sizeof grandchild);
    ::_exit(grandchild < 0 ? 1 : 0);
  }
  ::close(report[1]);
  pid_t grandchild = -1;
  (void)!::read(report[0], &grandchild, sizeof grandchild);
  ::close(report[0]);
  reap(child);
  if (grandchild <= 0) throw Error("cannot start a detached process");
  return grandchild;
}

namespace {

// The process's stat line; empty when it is gone or cannot be read.
std::string stat_of(pid_t pid) {
  // /proc/PID/stat is one line of some 300 bytes.
  return files::try_read_file("/proc/" + std::to_string(pid) + "/stat", 64 << 10).value_or("");
}

}  // namespace

unsigned long long start_time(pid_t pid) {
  const std::string stat = stat_of(pid);
  // The name (field 2, in parentheses) may hold spaces and parentheses:
  // fields are counted after its last ')'. Field 3 (state) comes first.
  const auto name_end = stat.rfind(')');
  if (name_end == std::string::npos) return 0;
  std::istringstream fields(stat.substr(name_end + 1));
  std::string field;
  for (int number = 3; number < 22 && fields >> field; ++number) {
  }
  unsigned long long start = 0;
  fields >> start;
  return start;
}

bool same_process(pid_t pid, unsigned long long start) {
  if (start == 0) return ::kill(pid, 0) == 0 || errno != ESRCH;
  return start_time(pid) == start;
}

}  // namespace dc::process
