// enter: runs a command inside a running container the way a health check
// runs (its namespaces and cgroups, its user, environment and working
// directory; no docker client), with this call's stdout and stderr, and
// exits with the command's exit code. For a person looking into a task, and
// scripts/bench's measure of one check.
#include <unistd.h>

#include "commands/commands.hpp"
#include "docker.hpp"
#include "ending.hpp"
#include "enter.hpp"
#include "ids.hpp"
#include "state.hpp"

namespace dc::commands {
namespace {

// The init's pid, asking docker only when the record has no live one.
int init_pid(const Settings& settings, const std::string& id) {
  const state::Store store(settings.state_dir);
  auto locked = state::Locked::open(store, id);
  if (!locked) throw Error("unknown container (no record in " + store.root() + ")");
  if (!ending::init_alive(locked->record()) && !ending::refresh_pid(*locked, docker::Client(settings)))
    throw Error("not running");
  return locked->record().pid;
}

}  // namespace

int enter(const Settings& settings, const std::string& id, const std::vector<std::string>& variables,
          const std::vector<std::string>& command) {
  return for_container(id, [&] {
    ids::validate("container id", id);
    if (command.empty()) throw Error("no command to run");
    const enter::Target target(init_pid(settings, id));
    enter::Command entered{command[0], command, target.environment()};
    for (const auto& variable : variables) {
      const size_t equals = variable.find('=');
      if (equals == 0 || equals == std::string::npos) throw Error("--env takes NAME=VALUE, with a name");
      entered.environment[variable.substr(0, equals)] = variable.substr(equals + 1);
    }
    constexpr double kNoLimit = 365.0 * 24 * 3600;
    const auto outcome = enter::run(target, entered, kNoLimit, -1, STDOUT_FILENO, STDERR_FILENO);
    if (!outcome.error.empty()) throw Error(outcome.error);
    return termination::exit_code(outcome.status);
  });
}

}  // namespace dc::commands
