// The container's mounts in its run plan, and the host paths that launch
// resolves for them (plan/internal.hpp, run_argv.hpp).
#include <set>

#include "base/error.hpp"
#include "plan/internal.hpp"
#include "plan/volumes.hpp"

namespace dc {
namespace {

using mesos::ContainerInfo;
using mesos::containerizer::Launch;
using mounts::resolved;

bool contains_any(const std::string& value, const char* characters) {
  return value.find_first_of(characters) != std::string::npos;
}

// A --mount value of `type` (bind, volume); fields are CSV, so any field
// with a comma or quote is quoted.
std::string mount_value(const std::string& type, const std::string& source, const std::string& target,
                        bool readonly) {
  auto field = [](const std::string& text) {
    if (!contains_any(text, ",\"")) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  };
  return "type=" + type + "," + field("source=" + source) + "," + field("target=" + target) +
         (readonly ? ",readonly" : "");
}

// `-v SOURCE:TARGET:MODE`, or a --mount where `:` or `,` would split it.
void add_mount(const std::string& type, const std::string& source, const std::string& target, bool readonly,
               RunPlan& plan) {
  if (contains_any(source + target, ":,"))
    add(plan.args, {"--mount", mount_value(type, source, target, readonly)});
  else
    add(plan.args, {"-v", source + ":" + target + (readonly ? ":ro" : ":rw")});
}

void add_bind(const std::string& host, const std::string& target, bool readonly, RunPlan& plan) {
  add_mount("bind", host, target, readonly, plan);
}

// The paths in the container that mounts take: one mount a path, so that
// two volumes never meet on one, and none on or above the program's own
// mounts (the sandbox, the init, its run directory, libexec), which it would
// hide or fill with their mount points.
struct Taken {
  std::vector<std::string> own;
  std::set<std::string> paths;
};
void claim(Taken& taken, const std::string& target, const std::string& what) {
  const std::string path = policy::normalize(target);
  for (const auto& own : taken.own)
    if (path == "/" || own.compare(0, path.size() + 1, path + "/") == 0)
      throw Error(what + " at '" + target + "' would hold the container's own mount " + own);
  if (!taken.paths.insert(path).second)
    throw Error("two volumes on one path: " + what + " at '" + target +
                "', which another mount of the container takes");
}

// The agent's persistent volumes and the named docker volumes (volumes.cpp).
// Persistent volumes are the agent's own disk, given by the master: no
// host-path policy applies; named volumes' drivers and local devices ask it.
void add_agent_volumes(const Launch& launch, const ContainerInfo* info, const Settings& settings,
                       const policy::Policy& policy, const RunInputs& inputs, Taken& taken, RunPlan& plan) {
  plan.volumes = volumes::of(launch, info, work_directory(inputs.environment), settings.sandbox_directory);
  for (const auto& mount : plan.volumes) {
    claim(taken, mount.target, mount.what);
    if (mount.named) {
      if (plan.role.empty()) plan.role = volumes::role_of(launch);
      policy::check_volume_driver(policy, mount.what, mount.driver);
      if (mount.driver.empty() || mount.driver == "local")
        policy::check_local_volume(policy, mount.what, mount.options);
      const std::string device = volumes::local_device(mount);
      if (!device.empty())
        policy::check_host_path(policy, mount.what + " (device " + device + ")", resolved(inputs, device));
    }
    add_mount(mount.named ? "volume" : "bind", mount.source, mount.target, mount.readonly, plan);
  }
}

void add_volumes(const Launch& launch, const ContainerInfo* info, const std::string& sandbox,
                 const Settings& settings, const policy::Policy& policy, const RunInputs& inputs, Taken& taken,
                 RunPlan& plan) {
  for (const auto& mount : policy.global_container_mounts) {
    claim(taken, mount.container, "global mount '" + mount.host + "'");
    add_bind(mount.host, mount.container, mount.readonly, plan);
  }
  add_agent_volumes(launch, info, settings, policy, inputs, taken, plan);
  if (!info) return;
  for (const auto& volume : info->volumes()) {
    if (volumes::is_named(volume)) continue;
    if (volume.container_path().empty())
      throw Error("volume '" + volume.host_path() + "' has no container_path");
    if (volume.host_path().empty())
      throw Error("volume at '" + volume.container_path() + "' has no host_path: image volumes are not supported");
    if (volume.host_path()[0] != '/' && volume.container_path()[0] != '/')
      throw Error("volume '" + volume.host_path() + "': host_path and container_path are both relative");
    if ((volume.host_path()[0] != '/' && policy::climbs(volume.host_path())) ||
        (volume.container_path()[0] != '/' && policy::climbs(volume.container_path())))
      throw Error("volume '" + volume.host_path() + "' -> '" + volume.container_path() +
                  "': a relative path with '..' would leave the sandbox");
    const std::string host = join_path(sandbox, volume.host_path());
    const std::string real = resolved(inputs, host);
    policy::check_host_volume(policy, volume.host_path(), real, resolved(inputs, sandbox));
    const std::string target = join_path(settings.sandbox_directory, volume.container_path());
    claim(taken, target, "volume '" + volume.host_path() + "'");
    // What was checked is what docker binds, not a path a symlink may turn elsewhere later.
    add_bind(policy.any_host_volume ? host : real, target, volume.mode() == mesos::Volume::RO, plan);
  }
  if (info->has_docker() && !info->docker().volume_driver().empty()) {
    policy::check_volume_driver(policy, "DockerInfo.volume_driver", info->docker().volume_driver());
    add(plan.args, {"--volume-driver", info->docker().volume_driver()});
  }
}

}  // namespace

namespace mounts {

std::string resolved(const RunInputs& inputs, const std::string& path) {
  auto found = inputs.resolved_paths.find(path);
  return found != inputs.resolved_paths.end() ? found->second : policy::normalize(path);
}

void add_all(const Launch& launch, const ContainerInfo* info, const std::string& sandbox, const Settings& settings,
             const policy::Policy& policy, const RunInputs& inputs, RunPlan& plan) {
  auto libexec = inputs.environment.find("MESOS_LIBEXEC_DIRECTORY");
  const bool mount_libexec = settings.mount_libexec && inputs.libexec_exists && libexec != inputs.environment.end();
  Taken taken;
  const std::string sandbox_dir = policy::normalize(settings.sandbox_directory);
  taken.own = {sandbox_dir, kRunDirPath, kInitPath};
  if (mount_libexec) taken.own.push_back(policy::normalize(libexec->second));
  taken.paths.insert(taken.own.begin(), taken.own.end());
  taken.paths.insert({sandbox_dir + "/stdout", sandbox_dir + "/stderr"});
  add_volumes(launch, info, sandbox, settings, policy, inputs, taken, plan);
  add(plan.args, {"--mount", mount_value("bind", sandbox, settings.sandbox_directory, false)});
  // Each log file a mount point of its own: the task gets EBUSY when it
  // unlinks or renames one, even as root, so the file the agent opens by
  // name as root (SANDBOX/stderr, for every call) stays this one and
  // never becomes the task's link.
  for (const char* log : {"stdout", "stderr"})
    add(plan.args, {"--mount", mount_value("bind", join_path(sandbox, log), sandbox_dir + "/" + log, false)});
  add(plan.args, {"--mount", mount_value("bind", inputs.run_dir, kRunDirPath, false)});
  add(plan.args, {"--mount", mount_value("bind", inputs.init, kInitPath, true)});
  if (mount_libexec) add(plan.args, {"--mount", mount_value("bind", libexec->second, libexec->second, true)});
}

}  // namespace mounts

std::vector<std::string> host_paths(const Launch& launch, const Settings& settings, const Environment& environment) {
  std::vector<std::string> paths = {launch.directory()};
  if (const ContainerInfo* info = container_info(launch))
    for (const auto& volume : info->volumes())
      if (!volume.host_path().empty()) paths.push_back(join_path(launch.directory(), volume.host_path()));
  for (const auto& mount :
       volumes::of(launch, container_info(launch), work_directory(environment), settings.sandbox_directory))
    if (const std::string device = volumes::local_device(mount); !device.empty()) paths.push_back(device);
  const auto sockets = engine_sockets(settings, environment);
  paths.insert(paths.end(), sockets.begin(), sockets.end());
  return paths;
}

}  // namespace dc
