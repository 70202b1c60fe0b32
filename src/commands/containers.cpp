// containers: every container of this agent instance (same
// MESOS_WORK_DIRECTORY) still on the engine, running or exited: one
// `docker ps` by label. The engine is the truth, not the state directory.
#include <unistd.h>

#include "commands/commands.hpp"
#include "docker.hpp"
#include "ending.hpp"
#include "framing.hpp"
#include "log.hpp"

namespace dc::commands {

int containers(const Settings& settings) {
  mesos::containerizer::Containers result;
  for (const auto& listed : docker::Client(settings).ps(Settings::work_directory()))
    result.add_containers()->set_value(listed.container_id);
  framing::write_frame(STDOUT_FILENO, result.SerializeAsString());
  ::close(STDOUT_FILENO);
  ending::start_sweep(settings);
  return 0;
}

}  // namespace dc::commands
