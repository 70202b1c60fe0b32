#pragma once
// One function per command, each in src/commands/<command>.cpp. A command
// returns the process exit code or throws dc::Error; main() reports it.
#include <string>
#include <vector>

#include "base/settings.hpp"

namespace dc::commands {

// The seven protocol commands the agent runs.
int launch(const Settings& settings);
int update(const Settings& settings);
int usage(const Settings& settings);
int wait(const Settings& settings);
int destroy(const Settings& settings);
int containers(const Settings& settings);
int recover(const Settings& settings);

// Before a call on an existing container writes a line: its lines stay off
// a stderr that is not its sandbox's own (log::guard_stderr), the sandbox
// taken from the container's record (src/commands/stderr.cpp).
void guard_stderr(const Settings& settings, const std::string& id);

// Debugging: `command` is encode (protobuf text format -> framed binary) or
// decode (the reverse) of `message`; replaces this process with the codec
// program, so it returns only by throwing.
int codec(const Settings& settings, const std::string& command, const std::string& message);

// --version: version, git revision, protobuf and docker client versions on
// stdout (src/commands/version.cpp, linked into docker-containerizer only).
int version(const Settings& settings);

// On an agent's host: whether each running Mesos agent's libprocess worker
// threads leave room for more containers (src/commands/check.cpp, linked
// into docker-containerizer only).
int check(const Settings& settings);

// Runs `command` inside the running container of `container_id` as its
// health checks run (src/container/enter.hpp), with `env`'s NAME=VALUE variables; its
// exit code. For debugging, and override mode's health checks.
int enter(const Settings& settings, const std::string& container_id, const std::vector<std::string>& env,
          const std::vector<std::string>& command);

// Internal, for override mode's host executor: waits for the container of
// `container_id` and exits with its exit code.
int await(const Settings& settings, const std::string& container_id);

}  // namespace dc::commands
