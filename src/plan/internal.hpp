#pragma once
// What the plan's own files share (run_argv.cpp: the plan; mounts.cpp: its
// mounts; environment.cpp: the container's environment). Not for use
// outside plan/: run_argv.hpp is the plan's interface.
#include <initializer_list>
#include <string>
#include <vector>

#include "plan/policy.hpp"
#include "plan/run_argv.hpp"

namespace dc {

// The agent's work directory, as the agent tells every call.
inline std::string work_directory(const Environment& environment) {
  auto work = environment.find("MESOS_WORK_DIRECTORY");
  return work == environment.end() ? "" : work->second;
}

// The engine's sockets, for a Launch started in `environment`.
inline std::vector<std::string> engine_sockets(const Settings& settings, const Environment& environment) {
  auto docker_host = environment.find("DOCKER_HOST");
  return policy::engine_sockets(settings.docker_global_args(),
                                docker_host == environment.end() ? "" : docker_host->second);
}

// `path` under `base`, unless it is absolute.
inline std::string join_path(const std::string& base, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return base + (base.size() && base.back() == '/' ? "" : "/") + path;
}

// Appends `more` to an argv.
inline void add(std::vector<std::string>& args, std::initializer_list<std::string> more) {
  args.insert(args.end(), more.begin(), more.end());
}

namespace mounts {

// The path launch resolved (symlinks, `..`), else `path` normalised.
std::string resolved(const RunInputs& inputs, const std::string& path);

// Every mount of the container, in this order: the operator's global
// mounts, the agent's persistent and named volumes, the Launch's volumes,
// then the program's own (the sandbox, its two log files, the run
// directory, the init, libexec). Throws, naming the mount, for one the
// policy refuses or one that would take another's path.
void add_all(const mesos::containerizer::Launch& launch, const mesos::ContainerInfo* info,
             const std::string& sandbox, const Settings& settings, const policy::Policy& policy,
             const RunInputs& inputs, RunPlan& plan);

}  // namespace mounts

namespace variables {

// The container's environment: the task's (and in executor mode the
// executor's and the agent's executor variables), the port variables, and
// MESOS_SANDBOX and MESOS_CONTAINER_NAME. Warnings go to `plan`.
Environment container_environment(const mesos::containerizer::Launch& launch, const Settings& settings,
                                  TaskMode mode, const Environment& environment, const mesos::ContainerInfo* info,
                                  RunPlan& plan);

}  // namespace variables

}  // namespace dc
