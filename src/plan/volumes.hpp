#pragma once
// Persistent volumes (the agent's disk resources with `persistence` and
// `volume`) and docker named volumes (ContainerInfo volumes whose source is
// DOCKER_VOLUME) of a Launch: where each comes from and where it goes in the
// container. Pure, like run_argv.cpp, which takes the result and asks the
// operator policy; commands/launch checks the directories and creates the
// named volumes.
#include <string>
#include <utility>
#include <vector>

#include "containerizer.pb.h"

namespace dc::volumes {

struct Mount {
  bool named = false;          // a docker named volume; else a persistent volume
  std::string source;          // the host directory, or the named volume's name
  std::string target;          // absolute path in the container
  bool readonly = false;
  std::string driver;          // named: its driver, else DockerInfo.volume_driver; empty: docker's default (local)
  std::vector<std::pair<std::string, std::string>> options;  // named: driver_options, in order
  std::string what;            // for messages: "persistent volume 'ID' of role 'ROLE'", "docker volume 'NAME'"
};

// The Launch's persistent volumes (each disk resource of the task and the
// executor with `persistence` and `volume`, once) and named volumes (of
// `info`, the ContainerInfo that applies; may be null), in that order.
// `work_directory` is the agent's (MESOS_WORK_DIRECTORY), `sandbox` the
// sandbox's path in the container: relative container paths lie under it.
// Throws dc::Error for a persistence id, role or volume name that is not a
// plain name, a container_path with "..", a disk source without an
// absolute root, a persistent volume and no work directory.
std::vector<Mount> of(const mesos::containerizer::Launch& launch, const mesos::ContainerInfo* info,
                      const std::string& work_directory, const std::string& sandbox);

// The role a Launch runs for, as its resources tell it: the role its
// task's and executor's reserved resources belong to, "*" when all are
// unreserved (a Launch carries no FrameworkInfo). Throws for resources
// reserved for two roles: asked only for a Launch with named volumes.
std::string role_of(const mesos::containerizer::Launch& launch);

// True when `volume` is a named docker volume (source DOCKER_VOLUME).
bool is_named(const mesos::Volume& volume);

// The host path a named volume of the `local` driver mounts (its `device`
// option when that is absolute or `o` binds), else "": a host path like a
// volume's host_path, for the operator's CONTAINERIZER_HOST_VOLUMES.
std::string local_device(const Mount& mount);

}  // namespace dc::volumes
