#include "fetch/mesos_fetcher.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "host/process.hpp"

extern char** environ;

namespace dc::fetch {
namespace {

// The environment both generations of mesos-fetcher read (1.0.1 and 0.20.1
// src/launcher/fetcher.cpp): 0.22+ a FetcherInfo as JSON in
// MESOS_FETCHER_INFO (BYPASS_CACHE: straight into sandbox_directory, no
// user, so nothing is su'd or chowned); 0.20-0.21 MESOS_EXECUTOR_URIS
// tokens "URI+<0|1 executable><X|N extract>" into MESOS_WORK_DIRECTORY,
// split on spaces (uri.cpp's validate() lets none through).
std::vector<std::string> fetcher_environment(const std::string& value, const std::string& dir) {
  nlohmann::json info = {
      {"sandbox_directory", dir},
      {"items",
       {{{"action", "BYPASS_CACHE"}, {"uri", {{"value", value}, {"extract", false}, {"executable", false}}}}}}};
  std::vector<std::string> env = {"MESOS_FETCHER_INFO=" + info.dump(), "MESOS_EXECUTOR_URIS=" + value + "+0N",
                                  "MESOS_WORK_DIRECTORY=" + dir};
  for (char** entry = environ; *entry; ++entry) {
    std::string text(*entry);
    if (text.rfind("MESOS_FETCHER_INFO=", 0) != 0 && text.rfind("MESOS_EXECUTOR_URIS=", 0) != 0 &&
        text.rfind("MESOS_WORK_DIRECTORY=", 0) != 0 && text.rfind("MESOS_USER=", 0) != 0)
      env.push_back(text);
  }
  return env;
}

// Forks and execs `fetcher` as `user` in its own process group, its files
// bounded by RLIMIT_FSIZE; its log goes beside ours (the sandbox's stderr),
// our stdout is not its. posix_spawn cannot switch users. Between fork and
// exec only system calls: nothing that allocates.
pid_t spawn(const std::string& fetcher, std::vector<std::string> env, const Transfer& transfer) {
  std::vector<char*> argv = {const_cast<char*>(fetcher.c_str()), nullptr}, envp;
  for (auto& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  const UserIds& user = transfer.fetcher_user;
  std::vector<gid_t> groups(user.groups.begin(), user.groups.end());
  const rlim_t most = transfer.max_bytes < RLIM_INFINITY ? transfer.max_bytes : RLIM_INFINITY;
  const struct rlimit fsize = {most, most};
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    process::prepare_child(parent, STDERR_FILENO, STDERR_FILENO);
    // Changing the user clears the parent-death signal: set it again after.
    if (::setrlimit(RLIMIT_FSIZE, &fsize) == 0 && ::setgroups(groups.size(), groups.data()) == 0 &&
        ::setgid(user.gid) == 0 && ::setuid(user.uid) == 0 && ::prctl(PR_SET_PDEATHSIG, SIGKILL) == 0) {
      if (::getppid() != parent) ::_exit(127);
      ::execve(fetcher.c_str(), argv.data(), envp.data());
    }
    const int error = errno;
    (void)!::write(report[1], &error, sizeof error);
    ::_exit(127);
  }
  ::close(report[1]);
  int error = 0;
  const bool failed = ::read(report[0], &error, sizeof error) == sizeof error;
  ::close(report[0]);
  if (failed) {
    process::reap(pid);
    throw Error("cannot run " + fetcher + " as uid " + std::to_string(user.uid) + ": " + strerror(error));
  }
  return pid;
}

// The exit status, or nullopt after `timeout_seconds`. Its whole process
// group is killed either way: nothing of the user's outlives it to change
// the directory while we read it.
std::optional<int> wait_for(pid_t pid, double timeout_seconds) {
  std::optional<int> status;
  if (process::exits_by(pid, clock::deadline_after(timeout_seconds))) status = process::reap(pid);
  ::kill(-pid, SIGKILL);
  if (!status) process::reap(pid);
  return status;
}

[[noreturn]] void fail(int status, const Transfer& transfer) {
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ)
    throw TooLarge("mesos-fetcher wrote more than " + std::to_string(transfer.max_bytes) + " bytes (" +
                   transfer.max_bytes_setting + ")");
  throw Error("mesos-fetcher failed (" +
              (WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                 : "signal " + std::to_string(WTERMSIG(status))) +
              "; its log is in the stderr above)");
}

// The one file the fetcher left in `dir`, open. It ran as the task's user
// in a directory that user owns: a link or anything but a regular file is
// not taken (a root read would follow it), nor a FIFO waited on.
int only_file(const std::string& dir) {
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0) throw Error("cannot open " + dir + ": " + strerror(errno));
  DIR* listing = ::fdopendir(dir_fd);
  if (!listing) {
    ::close(dir_fd);
    throw Error("cannot list " + dir + ": " + strerror(errno));
  }
  std::vector<std::string> names;
  while (const struct dirent* entry = ::readdir(listing))
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) names.push_back(entry->d_name);
  int fd = names.size() == 1
               ? ::openat(dir_fd, names[0].c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
               : -1;
  ::closedir(listing);
  struct stat info;
  if (fd >= 0 && ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) return fd;
  if (fd >= 0) ::close(fd);
  throw Error("mesos-fetcher left " + std::to_string(names.size()) + " entries, not one regular file");
}

}  // namespace

void fetch_with_mesos_fetcher(const std::string& value, const std::string& path, const Transfer& transfer) {
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) throw Error(std::string("getcwd: ") + strerror(errno));
  const std::string dir = std::string(cwd) + "/.mesos-fetcher-" + std::to_string(::getpid());
  if (::mkdir(dir.c_str(), 0700) != 0) throw Error("cannot create " + dir + ": " + strerror(errno));
  auto remove = [&] {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  };
  try {
    if (::lchown(dir.c_str(), transfer.fetcher_user.uid, transfer.fetcher_user.gid) != 0)
      throw Error("cannot chown " + dir + ": " + strerror(errno));
    auto status = wait_for(spawn(transfer.mesos_fetcher, fetcher_environment(value, dir), transfer),
                           transfer.timeout_seconds);
    if (!status)
      throw Error("mesos-fetcher timed out after " + std::to_string(static_cast<long>(transfer.timeout_seconds)) +
                  " s (CONTAINERIZER_FETCH_TIMEOUT)");
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) fail(*status, transfer);
    const int fd = only_file(dir);
    try {
      copy_into(fd, path, 0644);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  } catch (...) {
    remove();
    throw;
  }
  remove();
}

}  // namespace dc::fetch
