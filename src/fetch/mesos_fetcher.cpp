#include "fetch/mesos_fetcher.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "error.hpp"
#include "process.hpp"

extern char** environ;

namespace dc::fetch {
namespace {

// The environment both generations of mesos-fetcher read (1.0.1 and 0.20.1
// src/launcher/fetcher.cpp): 0.22+ a FetcherInfo as JSON in
// MESOS_FETCHER_INFO (BYPASS_CACHE: straight into sandbox_directory, no
// user, so nothing is su'd or chowned); 0.20-0.21 MESOS_EXECUTOR_URIS
// tokens "URI+<0|1 executable><X|N extract>" into MESOS_WORK_DIRECTORY.
std::vector<std::string> fetcher_environment(const std::string& value, const std::string& dir) {
  nlohmann::json info = {
      {"sandbox_directory", dir},
      {"items", {{{"action", "BYPASS_CACHE"}, {"uri", {{"value", value}, {"extract", false}, {"executable", false}}}}}}};
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

pid_t spawn(const std::string& fetcher, std::vector<std::string> env) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  // Its log belongs beside ours (the sandbox's stderr); our stdout is not its.
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  std::vector<char*> argv = {const_cast<char*>(fetcher.c_str()), nullptr}, envp;
  for (auto& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  int failed = posix_spawn(&pid, fetcher.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (failed) throw Error("cannot run " + fetcher + ": " + strerror(failed));
  return pid;
}

// The exit status, or nullopt after `timeout_seconds` (the process killed).
std::optional<int> wait_for(pid_t pid, double timeout_seconds) {
  if (process::exits_within(pid, timeout_seconds)) return process::reap(pid);
  ::kill(pid, SIGKILL);
  process::reap(pid);
  return std::nullopt;
}

// The one file the fetcher left in `dir`. Not a link: it would land in the
// sandbox, and the chmod of an executable URI would follow it.
std::string only_file(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.symlink_status().type() == std::filesystem::file_type::regular) files.push_back(entry.path());
  if (files.size() != 1) throw Error("mesos-fetcher left " + std::to_string(files.size()) + " files, not one");
  return files[0];
}

}  // namespace

void fetch_with_mesos_fetcher(const std::string& fetcher, const std::string& value, const std::string& path,
                              double timeout_seconds) {
  const std::string dir = path + ".mesos-fetcher";
  if (::mkdir(dir.c_str(), 0700) != 0) throw Error("cannot create " + dir + ": " + strerror(errno));
  try {
    auto status = wait_for(spawn(fetcher, fetcher_environment(value, dir)), timeout_seconds);
    if (!status)
      throw Error("mesos-fetcher timed out after " + std::to_string(static_cast<long>(timeout_seconds)) +
                  " s (CONTAINERIZER_FETCH_TIMEOUT)");
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
      throw Error("mesos-fetcher failed (" +
                  (WIFEXITED(*status) ? "exit code " + std::to_string(WEXITSTATUS(*status))
                                      : "signal " + std::to_string(WTERMSIG(*status))) +
                  "; its log is in the stderr above)");
    if (::rename(only_file(dir).c_str(), path.c_str()) != 0)
      throw Error("cannot move mesos-fetcher's file to " + path + ": " + strerror(errno));
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    throw;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace dc::fetch
