#include "enter.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "cgroups.hpp"
#include "error.hpp"
#include "process.hpp"

namespace dc::enter {
namespace {

// In the order runc and nsenter join them: the user namespace first, so
// that the others (owned by it) may be joined; the mount namespace last.
struct Namespace {
  const char* name;
  int type;
};
constexpr Namespace kNamespaces[] = {{"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},
                                     {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},
                                     {"mnt", CLONE_NEWNS}};

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::stringstream text;
  text << file.rdbuf();
  if (file.bad()) return std::nullopt;
  return text.str();
}

// The numbers after `key` on its line of /proc/<pid>/status.
std::optional<std::vector<uint32_t>> status_numbers(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    std::vector<uint32_t> numbers;
    for (long long n; fields >> n;) {
      if (n < 0 || n > UINT32_MAX) return std::nullopt;
      numbers.push_back(static_cast<uint32_t>(n));
    }
    if (!fields.eof()) return std::nullopt;
    return numbers;
  }
  return std::nullopt;
}

bool same_namespace(int pid, const char* name) {
  struct stat ours, theirs;
  const std::string path = std::string("/ns/") + name;
  return ::stat(("/proc/self" + path).c_str(), &ours) == 0 &&
         ::stat(("/proc/" + std::to_string(pid) + path).c_str(), &theirs) == 0 && ours.st_ino == theirs.st_ino &&
         ours.st_dev == theirs.st_dev;
}

// Descriptors closed when it goes.
class Fds {
 public:
  Fds() = default;
  Fds(const Fds&) = delete;
  Fds& operator=(const Fds&) = delete;
  ~Fds() {
    for (int fd : fds_) ::close(fd);
  }
  int add(int fd) {
    if (fd >= 0) fds_.push_back(fd);
    return fd;
  }

 private:
  std::vector<int> fds_;
};

// What the child reports on the pipe: a stage that failed (with errno), or
// the command's end. One write each, well under PIPE_BUF: never torn.
enum Stage : int32_t { kCgroup = 1, kNamespace, kFork, kUser, kExec, kEnded };
struct Report {
  int32_t stage;
  int32_t index;  // which cgroup or namespace
  int32_t value;  // errno, or the wait status for kEnded
};

// Everything the children use, made before the fork (they may not allocate).
struct Plan {
  std::vector<int> cgroup_procs;
  std::vector<std::pair<int, int>> namespaces;  // fd, type
  std::vector<size_t> namespace_index;           // into kNamespaces, for messages
  int cwd = -1;
  int out = -1, err = -1;
  std::vector<gid_t> groups;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<std::string> candidates;  // where the file may be
  std::vector<const char*> candidate_ptrs;
};

void tell(int report, Stage stage, int index, int value) {
  const Report message{stage, index, value};
  (void)!::write(report, &message, sizeof message);
}

// The grandchild, in the container's pid namespace: the user, then exec.
[[noreturn]] void become_command(const Plan& plan, char* const* argv, char* const* envp, int report) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::setgroups(plan.groups.size(), plan.groups.data()) != 0 || ::setgid(plan.gid) != 0 ||
      ::setuid(plan.uid) != 0) {
    tell(report, kUser, 0, errno);
    ::_exit(127);
  }
  // As execvp does: a file found but not executable is the error to tell.
  int error = ENOENT;
  for (const char* candidate : plan.candidate_ptrs) {
    ::execve(candidate, argv, envp);
    if (errno != ENOENT && errno != ENOTDIR && error != EACCES) error = errno;
  }
  tell(report, kExec, 0, error);
  ::_exit(127);
}

// The child: joins the cgroups and namespaces, then forks the command
// (a pid namespace takes only the children of who joined it) and reports
// its end. Only async-signal-safe calls: the parent has other threads.
[[noreturn]] void enter_and_run(const Plan& plan, char* const* argv, char* const* envp, pid_t parent, int report) {
  process::prepare_child(parent, plan.out, plan.err);
  // No descriptor of the executor's may reach the container: all close at exec.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  // Cgroups first, while this process still sees the host's cgroup tree.
  for (size_t i = 0; i < plan.cgroup_procs.size(); ++i)
    if (::write(plan.cgroup_procs[i], "0", 1) != 1) {
      tell(report, kCgroup, static_cast<int>(i), errno);
      ::_exit(127);
    }
  for (size_t i = 0; i < plan.namespaces.size(); ++i)
    if (::setns(plan.namespaces[i].first, plan.namespaces[i].second) != 0) {
      tell(report, kNamespace, static_cast<int>(plan.namespace_index[i]), errno);
      ::_exit(127);
    }
  if (plan.cwd < 0 || ::fchdir(plan.cwd) != 0) (void)!::chdir("/");
  const pid_t command = ::fork();
  if (command == 0) become_command(plan, argv, envp, report);
  if (command < 0) {
    tell(report, kFork, 0, errno);
    ::_exit(127);
  }
  tell(report, kEnded, 0, process::reap(command));
  ::_exit(0);
}

std::string describe(const Report& report, const Target& target, const Command& command) {
  const std::string why = std::strerror(report.value);
  switch (report.stage) {
    case kCgroup: {
      const auto& dirs = target.cgroups();
      const size_t i = static_cast<size_t>(report.index);
      return "cannot join the container's cgroup " + (i < dirs.size() ? dirs[i] : std::string("?")) + ": " + why;
    }
    case kNamespace: {
      const size_t i = static_cast<size_t>(report.index);
      return std::string("cannot join the container's ") + (i < std::size(kNamespaces) ? kNamespaces[i].name : "?") +
             " namespace: " + why;
    }
    case kFork: return "cannot fork in the container: " + why;
    case kUser:
      return "cannot become uid " + std::to_string(target.user().uid) + " gid " + std::to_string(target.user().gid) +
             ": " + why;
    case kExec: return "cannot execute " + command.file + ": " + why;
    default: return "an unknown report from the container";
  }
}

// Opens what the children need; a failure is the outcome's error.
std::string prepare(const Target& target, const Command& command, Fds& fds, Plan& plan) {
  for (const auto& dir : target.cgroups()) {
    const int fd = fds.add(::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
    if (fd < 0) return "cannot open the container's cgroup " + dir + ": " + std::strerror(errno);
    plan.cgroup_procs.push_back(fd);
  }
  const std::string proc = "/proc/" + std::to_string(target.pid());
  for (size_t i = 0; i < std::size(kNamespaces); ++i) {
    if (same_namespace(target.pid(), kNamespaces[i].name)) continue;
    const int fd = fds.add(::open((proc + "/ns/" + kNamespaces[i].name).c_str(), O_RDONLY | O_CLOEXEC));
    if (fd < 0) return std::string("cannot open the container's ") + kNamespaces[i].name + " namespace: " + std::strerror(errno);
    plan.namespaces.emplace_back(fd, kNamespaces[i].type);
    plan.namespace_index.push_back(i);
  }
  plan.cwd = fds.add(::open((proc + "/cwd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  // The descriptors must be the init's, not a newcomer's under a recycled pid.
  if (!target.alive()) return "the container's init (pid " + std::to_string(target.pid()) + ") has exited";
  plan.uid = target.user().uid;
  plan.gid = target.user().gid;
  plan.groups.assign(target.user().groups.begin(), target.user().groups.end());
  if (command.file.find('/') != std::string::npos) {
    plan.candidates.push_back(command.file);
  } else {
    auto path = command.environment.find("PATH");
    std::istringstream dirs(path != command.environment.end() ? path->second : kDefaultPath);
    for (std::string dir; std::getline(dirs, dir, ':');) plan.candidates.push_back((dir.empty() ? "." : dir) + "/" + command.file);
  }
  for (const auto& candidate : plan.candidates) plan.candidate_ptrs.push_back(candidate.c_str());
  return "";
}

using Clock = std::chrono::steady_clock;

// Reads the child's one report, until `deadline` or `cancel_fd`.
Outcome await(const Target& target, const Command& command, int report, int cancel_fd, Clock::time_point deadline) {
  Outcome outcome;
  struct pollfd fds[2] = {{report, POLLIN, 0}, {cancel_fd, POLLIN, 0}};
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const int ready = ::poll(fds, cancel_fd >= 0 ? 2 : 1, static_cast<int>(std::clamp<long long>(left, 0, 1 << 30)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      outcome.timed_out = true;
      return outcome;
    }
    if (ready < 0) {
      outcome.error = std::string("poll: ") + std::strerror(errno);
      return outcome;
    }
    if (cancel_fd >= 0 && fds[1].revents) {
      outcome.cancelled = true;
      return outcome;
    }
    Report message{};
    ssize_t n;
    while ((n = ::read(report, &message, sizeof message)) < 0 && errno == EINTR) {
    }
    if (n != sizeof message)
      outcome.error = "the process entering the container ended unexpectedly";
    else if (message.stage == kEnded)
      outcome.status = message.value;
    else
      outcome.error = describe(message, target, command);
    return outcome;
  }
}

}  // namespace

std::optional<Credentials> parse_credentials(const std::string& proc_status) {
  const auto uid = status_numbers(proc_status, "Uid");
  const auto gid = status_numbers(proc_status, "Gid");
  const auto groups = status_numbers(proc_status, "Groups");
  if (!uid || !gid || !groups || uid->empty() || gid->empty()) return std::nullopt;
  return Credentials{uid->front(), gid->front(), *groups};
}

Environment parse_environ(const std::string& text) {
  Environment environment;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    const std::string entry = text.substr(start, end - start);
    const size_t equals = entry.find('=');
    if (equals != std::string::npos && equals > 0) environment.emplace(entry.substr(0, equals), entry.substr(equals + 1));
    start = end + 1;
  }
  return environment;
}

std::optional<uint32_t> map_inside(uint32_t id, const std::string& id_map) {
  std::istringstream lines(id_map);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    unsigned long long inside, outside, count;
    if (!(fields >> inside >> outside >> count)) continue;
    if (id >= outside && id - outside < count) return static_cast<uint32_t>(inside + (id - outside));
  }
  return std::nullopt;
}

Target::Target(int pid) : pid_(pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd_ < 0) throw Error("the container's init (pid " + std::to_string(pid) + ") is gone: " + std::strerror(errno));
  try {
    const auto status = read_file(proc + "/status");
    const auto environ = read_file(proc + "/environ");
    std::optional<Credentials> user = status ? parse_credentials(*status) : std::nullopt;
    if (!user || !environ) throw Error("cannot read " + proc + "/status and environ");
    if (!same_namespace(pid, "user")) {
      // /proc shows the ids as our user namespace sees them; the command
      // takes them on inside the container's.
      const auto uid_map = read_file(proc + "/uid_map"), gid_map = read_file(proc + "/gid_map");
      const auto uid = map_inside(user->uid, uid_map.value_or("")), gid = map_inside(user->gid, gid_map.value_or(""));
      if (!uid || !gid) throw Error("the container's user is not mapped in its user namespace");
      std::vector<uint32_t> groups;
      for (uint32_t group : user->groups)
        if (auto inside = map_inside(group, gid_map.value_or(""))) groups.push_back(*inside);
      user = Credentials{*uid, *gid, groups};
    }
    user_ = *user;
    environment_ = parse_environ(*environ);
    cgroups_ = cgroups::all_dirs_of_pid(pid);
    if (!alive()) throw Error("the container's init (pid " + std::to_string(pid) + ") has exited");
  } catch (...) {
    ::close(pidfd_);
    throw;
  }
}

Target::Target(Target&& other) noexcept
    : pid_(other.pid_),
      pidfd_(std::exchange(other.pidfd_, -1)),
      cgroups_(std::move(other.cgroups_)),
      user_(std::move(other.user_)),
      environment_(std::move(other.environment_)) {}

Target::~Target() {
  if (pidfd_ >= 0) ::close(pidfd_);
}

bool Target::alive() const { return !exits_within(0); }

bool Target::exits_within(double seconds) const {
  struct pollfd fd = {pidfd_, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&fd, 1, static_cast<int>(seconds * 1000))) < 0 && errno == EINTR) {
  }
  return ready != 0;
}

Outcome run(const Target& target, const Command& command, double timeout_seconds, int cancel_fd, int out_fd,
            int err_fd) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
  Fds fds;
  Plan plan;
  plan.out = out_fd;
  plan.err = err_fd;
  Outcome outcome;
  outcome.error = prepare(target, command, fds, plan);
  if (!outcome.error.empty()) return outcome;
  const process::ExecVectors vectors(command.argv, command.environment);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    const std::string reason = std::strerror(errno);
    ::close(report[0]);
    ::close(report[1]);
    throw Error("fork: " + reason);
  }
  if (child == 0) enter_and_run(plan, vectors.argv(), vectors.envp(), parent, report[1]);
  ::setpgid(child, child);  // also here: the group must exist before any kill of it
  ::close(report[1]);
  outcome = await(target, command, report[0], cancel_fd, deadline);
  ::close(report[0]);
  // The child is not reaped yet, so its pid (the group's id) is still ours.
  ::kill(-child, SIGKILL);
  process::reap(child);
  return outcome;
}

}  // namespace dc::enter
