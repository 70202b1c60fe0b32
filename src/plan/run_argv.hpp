#pragma once
// The one pure function that turns a Launch (plus settings and the facts
// launch gathered: environment, user ids, the image's own command) into the
// `docker run` argument vector, and the host executor of override mode.
// No I/O here, so every field's effect is unit-tested.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "containerizer.pb.h"
#include "base/settings.hpp"
#include "base/types.hpp"
#include "plan/volumes.hpp"

namespace dc {

// Where the init and its status file appear inside every container.
inline const std::string kInitPath = "/mnt/mesos/containerizer-init";
inline const std::string kRunDirPath = "/mnt/mesos/containerizer";

struct RunInputs {
  Environment environment;               // this process's environment (the agent's plus executor variables)
  std::optional<UserIds> user;           // resolved from user_name()
  std::string run_dir;                   // host directory bind-mounted at kRunDirPath
  std::string init;                      // host path of containerizer-init
  std::string self;                      // this program, for override mode's await
  std::string launcher_dir;              // override mode: the executor's MESOS_LAUNCHER_DIR (override_check.hpp)
  bool libexec_exists = false;           // MESOS_LIBEXEC_DIRECTORY is a directory on the host
  // Known once launch has the image; before, plan_run only checks the Launch.
  std::optional<Image> image;
  // Volumes' host paths, the sandbox and the engine's sockets with `..` and
  // symlinks resolved (host_paths() says which).
  std::map<std::string, std::string> resolved_paths;
};

// How a Launch runs (CONTAINERIZER_TASK_MODE, with `auto` resolved):
//   executor: the executor runs in the container (every custom executor);
//   override: a command task's command runs in the container, the agent's
//     command executor on the host with `--override` (0.20-0.28 agents);
//   host: the same, with this program's own executor on the host speaking
//     the v1 executor API (agents with MESOS_AGENT_ENDPOINT: 0.27 and later).
enum class TaskMode { executor, override, host };

namespace override_check {
// The host executor's environment tells override mode's health checker
// (container/override_check.hpp) its container.
inline constexpr const char* kContainerVariable = "DOCKER_CONTAINERIZER_CONTAINER_ID";
inline constexpr const char* kStateDirVariable = "DOCKER_CONTAINERIZER_STATE_DIR";
}  // namespace override_check

// Override mode's host executor: the agent's command executor with
// `--override -- <this program> --state-dir <dir> await <id>`.
struct HostExecutor {
  std::string file;
  std::vector<std::string> argv;
  Environment environment;
};

struct RunPlan {
  std::vector<std::string> args;         // after `docker [global args]`: run -d ...
  std::string name;
  std::string image;
  double cpus = 0;                       // 0: not given
  uint64_t mem_bytes = 0;                // 0: not given
  bool force_pull = false;               // pull even when the image is present
  bool uses_image_command = false;       // the command runs the image's ENTRYPOINT and CMD
  std::string image_digest;              // repository@sha256:..., when it came from a registry
  std::string network;                   // host, bridge, none or a user network's name
  std::vector<std::string> ports;        // published: HOST_PORT->CONTAINER_PORT/PROTO
  std::vector<std::string> warnings;     // what was skipped (labels docker would refuse)
  std::vector<volumes::Mount> volumes;   // persistent and named volumes: launch prepares them
  std::string role;                      // with named volumes: the Launch's role (volumes::role_of), their owner
  std::optional<HostExecutor> host_executor;
};

// True when the Launch is a command task: a TaskInfo with a command and no
// executor of its own, for which the agent generated `executor_info`.
bool is_command_task(const mesos::containerizer::Launch& launch);

// The mode this Launch runs in. `auto` picks, for a command task, host when
// the agent has the v1 executor API (MESOS_AGENT_ENDPOINT in the launch
// environment), else override (0.20-0.26); a custom executor: executor.
TaskMode task_mode(const mesos::containerizer::Launch& launch, const Settings& settings,
                   const Environment& environment);

// The ContainerInfo that applies: the task's, else the executor's.
const mesos::ContainerInfo* container_info(const mesos::containerizer::Launch& launch);

// The image, first found: task docker image, task mesos image, the same in the
// executor's container, legacy CommandInfo.container.image (task, executor),
// MESOS_DEFAULT_CONTAINER_IMAGE. Legacy `docker:///x` and `docker://h:p/x` are
// normalised. nullopt when there is none.
std::optional<std::string> select_image(const mesos::containerizer::Launch& launch,
                                        const Environment& environment);

// The user the container runs as: the running command's CommandInfo.user,
// else Launch.user; empty for the image's default.
std::string user_name(const mesos::containerizer::Launch& launch, TaskMode mode);

// The host paths plan_run compares, for RunInputs::resolved_paths: the
// Launch's sandbox and volumes, the engine's sockets (mounts.cpp).
std::vector<std::string> host_paths(const mesos::containerizer::Launch& launch, const Settings& settings,
                                    const Environment& environment);

// The digest among `repo_digests` of the repository `image` names (docker's
// short names, `busybox` for docker.io/library/busybox, as docker lists them).
std::string repo_digest(const std::string& image, const std::vector<std::string>& repo_digests);

// The docker run plan; throws dc::Error naming what is refused and why.
RunPlan plan_run(const mesos::containerizer::Launch& launch, const Settings& settings,
                 const RunInputs& inputs);

}  // namespace dc
