#include "fetch/client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "base/text.hpp"
#include "base/log.hpp"
#include "fetch/uri.hpp"
#include "host/process.hpp"
#include "protocol/framing.hpp"

extern char** environ;

namespace dc::fetch {
namespace {

// Group ids as the fetcher's --groups reads them.
std::string numbers(const std::vector<uint32_t>& ids) {
  std::vector<std::string> words;
  for (auto id : ids) words.push_back(std::to_string(id));
  return text::join(words, ",");
}

std::vector<std::string> fetcher_argv(const Settings& settings, const std::string& sandbox,
                                      const std::optional<UserIds>& user) {
  std::vector<std::string> argv = {directory_of_self() + "/docker-containerizer-fetch",
                                   "--sandbox", sandbox,
                                   "--cache-dir", settings.fetch_cache_dir,
                                   "--cache-size", std::to_string(settings.fetch_cache_size),
                                   "--timeout", std::to_string(settings.fetch_timeout),
                                   "--max-size", std::to_string(settings.fetch_max_size),
                                   "--extract-max-size", std::to_string(settings.fetch_extract_max_size),
                                   "--extract-max-entries", std::to_string(settings.fetch_extract_max_entries),
                                   "--mesos-fetcher-schemes", settings.fetch_mesos_fetcher_schemes,
                                   "--host-paths", settings.host_volumes,
                                   "--log-level", settings.log_level,
                                   "--frame-limit", std::to_string(settings.frame_limit)};
  const std::string& libexec = settings.environment.libexec_directory;
  if (!libexec.empty() && ::access((libexec + "/mesos-fetcher").c_str(), X_OK) == 0)
    argv.insert(argv.end(), {"--mesos-fetcher", libexec + "/mesos-fetcher"});
  if (settings.fetch_deny_local_addresses) argv.push_back("--deny-local-addresses");
  if (user)
    argv.insert(argv.end(), {"--uid", std::to_string(user->uid), "--gid", std::to_string(user->gid),
                             "--groups", numbers(user->groups)});
  return argv;
}

// What the fetcher said on stdout until it closed it, or nullopt when
// `deadline` came first. Waits on the pipe itself.
std::optional<std::string> read_until(int fd, clock::Deadline deadline) {
  std::string said;
  for (;;) {
    const int left = clock::poll_ms(deadline);
    struct pollfd ready = {fd, POLLIN, 0};
    const int n = left > 0 ? ::poll(&ready, 1, left) : 0;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    char buffer[4096];
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return said;
    // Its one line, kept bounded: a runaway child cannot fill our memory.
    if (said.size() < 65536) said.append(buffer, static_cast<size_t>(got));
  }
}

// Runs the fetcher with `input` on its stdin; its stderr is ours, its
// stdout (the failure's line) is returned with its exit status. Killed at
// `deadline` (a stuck child never holds the launch).
std::pair<int, std::string> run(const std::vector<std::string>& args, const std::string& input,
                                clock::Deadline deadline) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
    throw Error(std::string("pipe: ") + strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int failed = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  if (failed) {
    ::close(in[1]);
    ::close(out[0]);
    throw Error("cannot run " + args[0] + ": " + strerror(failed));
  }
  try {
    framing::write_frame(in[1], input);
  } catch (const Error&) {
    // It went before reading: its exit status says why.
  }
  ::close(in[1]);
  auto said = read_until(out[0], deadline);
  ::close(out[0]);
  if (!said) {
    ::kill(pid, SIGKILL);
    process::reap(pid);
    throw Error("docker-containerizer-fetch did not finish in time: killed (CONTAINERIZER_FETCH_TIMEOUT)");
  }
  const int status = process::reap(pid);
  while (!said->empty() && (said->back() == '\n' || said->back() == '\r')) said->pop_back();
  return {status, *said};
}

}  // namespace

void into_sandbox(const Settings& settings, const mesos::containerizer::Launch& launch,
                  const std::optional<UserIds>& user) {
  auto uris = uris_of(launch);
  if (uris.empty()) return;
  mesos::CommandInfo command;
  for (auto& uri : uris) *command.add_uris() = std::move(uri);
  // Each URI may wait for another launch's download of it, then take its
  // own timeout; one more for the start and the checks.
  const auto deadline =
      clock::deadline_after(settings.fetch_timeout * static_cast<double>(2 * command.uris_size() + 1));
  auto [status, said] =
      run(fetcher_argv(settings, launch.directory(), user), command.SerializeAsString(), deadline);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (said.empty()) said = "docker-containerizer-fetch ended with status " + std::to_string(status);
  throw Error(said);
}

}  // namespace dc::fetch
