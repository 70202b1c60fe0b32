// containers: every container of this agent instance (same
// MESOS_WORK_DIRECTORY) still on the engine, running or exited: one
// `docker ps` by label; the engine is the truth, not the state directory.
// Plus those gone from the engine whose record holds a Termination no wait
// has delivered yet: the agent must come and wait for them to learn how
// they ended. Only records of containers not listed are read: with
// hundreds running, the call costs little more than its `docker ps`.
#include <unistd.h>

#include <set>

#include "base/log.hpp"
#include "commands/commands.hpp"
#include "container/state.hpp"
#include "container/sweep.hpp"
#include "docker/docker.hpp"
#include "protocol/framing.hpp"

namespace dc::commands {

int containers(const Settings& settings) {
  mesos::containerizer::Containers result;
  std::set<std::string> listed, running;
  for (const auto& container : docker::Client(docker::cli_of(settings)).ps(settings.environment.work_directory)) {
    if (listed.insert(container.container_id).second) result.add_containers()->set_value(container.container_id);
    if (container.state == "running") running.insert(container.container_id);
  }
  state::Store store(settings.state_dir);
  for (const auto& id : store.ids()) {
    if (listed.count(id)) continue;
    auto record = store.peek(id);
    if (record && record->termination && !record->delivered &&
        state::ours(*record, settings.environment.work_directory))
      result.add_containers()->set_value(id);
  }
  framing::write_frame(STDOUT_FILENO, result.SerializeAsString());
  ::close(STDOUT_FILENO);
  sweep::start(settings, running);
  return 0;
}

}  // namespace dc::commands
