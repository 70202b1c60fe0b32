#pragma once
// Host mode's executor: `docker-containerizer executor <container id>`, run
// by launch on the host (detached, in the sandbox, with the executor
// environment the agent gave launch) next to the task's container. It speaks
// the agent's v1 executor API for the task (task.hpp), stops the container
// on KILL or SHUTDOWN, survives an agent restart when the framework
// checkpoints, and exits with the container's exit code once the terminal
// update is acknowledged, so that wait reports the container's end.
#include <string>

#include "base/settings.hpp"

namespace dc::executor {

int run(const Settings& settings, const std::string& container_id);

}  // namespace dc::executor
