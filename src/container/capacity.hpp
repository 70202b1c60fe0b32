#pragma once
// How many containers an agent can hold with this program. Mesos's external
// containerizer (0.20 to 1.0) reads each `wait`'s result in a blocking read
// on one of the agent's libprocess worker threads, from the wait's start to
// the container's end. With as many live containers as worker threads the
// agent stops: no HTTP answer, no LAUNCH, no status update, until a
// container ends. The agent has max(8, cores) workers; 1.0 takes
// LIBPROCESS_NUM_WORKER_THREADS (libprocess process.cpp). Launch warns when
// the agent comes close, and `check` tells an operator how much room a
// running agent has; README "Agents under load" says what to do.
#include <optional>
#include <string>

#include "base/types.hpp"

namespace dc::capacity {

// The agent's worker threads, from its environment (which every call
// inherits) and the host's cores. Only 1.0 agents (the ones that set
// MESOS_HTTP_COMMAND_EXECUTOR for their executors) read the variable.
long worker_threads(const Environment& agent_environment, long cores);
// The same for an agent known to read the variable (1.0) or not.
long worker_threads(const Environment& agent_environment, long cores, bool reads_variable);

// The warning for an agent that holds `live` containers (with their waits),
// or nullopt while at least two workers stay free.
std::optional<std::string> warning(long live, long workers, bool settable);

// This agent instance's live containers (not yet ended) in the state
// directory.
long live_containers(const std::string& state_dir, const std::string& work_directory);

// Counts this agent instance's live containers in the state directory and
// logs the warning, if any.
void check(const std::string& state_dir, const std::string& work_directory, const Environment& environment);

}  // namespace dc::capacity
