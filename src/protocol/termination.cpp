#include "protocol/termination.hpp"

#include <sys/wait.h>

#include <csignal>
#include <cstring>
#include <sstream>

namespace dc::termination {

std::optional<Exit> parse_status_file(const std::string& text) {
  std::istringstream lines(text);
  std::string key;
  std::optional<int> status;
  long long oom_kills = 0;
  while (lines >> key) {
    long long value;
    if (!(lines >> value)) return std::nullopt;
    if (key == "status") status = static_cast<int>(value);
    if (key == "oom_kill") oom_kills = value;
  }
  if (!status) return std::nullopt;
  return Exit{*status, oom_kills > 0, static_cast<long>(oom_kills)};
}

Exit from_docker(int exit_code, bool oom_killed) {
  if (exit_code > 128 && exit_code < 128 + NSIG) return Exit{exit_code - 128, oom_killed};
  return Exit{(exit_code & 0xff) << 8, oom_killed};
}

std::string describe(int status) {
  if (WIFSIGNALED(status))
    return "terminated by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

mesos::containerizer::Termination make(const Exit& exit, bool killed, uint64_t mem_limit_bytes) {
  mesos::containerizer::Termination termination;
  termination.set_status(exit.status);
  if (exit.oom && exit.status != 0) {
    termination.set_killed(true);
    std::string limit = mem_limit_bytes ? std::to_string(mem_limit_bytes >> 20) + " MiB" : "unknown";
    termination.set_message("Memory limit exceeded: limit " + limit + ", container " + describe(exit.status));
    termination.set_state(mesos::TASK_FAILED);
    termination.add_reasons(mesos::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY);
    return termination;
  }
  termination.set_killed(killed);
  std::string message = std::string(killed ? "Container destroyed: it " : "Container ") + describe(exit.status);
  if (exit.oom)
    message += exit.oom_kills > 0 ? " after " + std::to_string(exit.oom_kills) + " OOM kill(s) in the container"
                                  : " after an OOM kill in the container";
  termination.set_message(message);
  return termination;
}

int exit_code(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace dc::termination
