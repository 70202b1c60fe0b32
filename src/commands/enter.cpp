// enter: runs a command inside a running container the way a health check
// runs (src/container/enter.hpp: the container's own init runs it, with the
// container's confinement, user, environment and working directory; `docker
// exec` for a container with no check channel), with this call's stdout and
// stderr, and exits with the command's exit code; `--env NAME=VALUE` adds
// variables that win over the container's. For a person looking into a task,
// override mode's health checks (Mesos's checker runs `enter`), and
// scripts/bench's measure of one check. Killing this process kills the
// command: the init sees the channel close.
#include <unistd.h>

#include "commands/commands.hpp"
#include "container/enter.hpp"
#include "container/state.hpp"
#include "docker/docker.hpp"
#include "protocol/naming.hpp"
#include "protocol/termination.hpp"

namespace dc::commands {
namespace {

enter::Environment variables(const std::vector<std::string>& assignments) {
  enter::Environment environment;
  for (const auto& assignment : assignments) {
    const size_t equals = assignment.find('=');
    if (equals == 0 || equals == std::string::npos) throw Error("--env " + assignment + ": not NAME=VALUE");
    environment[assignment.substr(0, equals)] = assignment.substr(equals + 1);
  }
  return environment;
}

}  // namespace

int enter(const Settings& settings, const std::string& id, const std::vector<std::string>& env,
          const std::vector<std::string>& command) {
  return for_container(id, [&] {
    ids::validate("container id", id);
    if (command.empty()) throw Error("no command to run");
    const enter::Command entered{command[0], command, variables(env)};
    const state::Store store(settings.state_dir);
    // No lock: the call may last, and nothing of the record changes here.
    const auto record = store.peek(id);
    if (!record) throw Error("unknown container (no record in " + store.root() + ")");
    constexpr double kNoLimit = 365.0 * 24 * 3600;
    const auto outcome = enter::run({store.run_dir(id), record->name}, entered,
                                    docker::Client(docker::cli_of(settings)), kNoLimit, -1, true);
    if (!outcome.error.empty()) throw Error(outcome.error);
    return termination::exit_code(outcome.status);
  });
}

}  // namespace dc::commands
