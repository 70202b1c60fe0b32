#include "plan/volumes.hpp"

#include <algorithm>

#include "base/error.hpp"
#include "plan/policy.hpp"
#include "protocol/naming.hpp"

namespace dc::volumes {
namespace {

using mesos::Resource;

// One component of a path: what the agent joins into its work directory.
void check_plain(const std::string& kind, const std::string& value) {
  const bool control = std::any_of(value.begin(), value.end(), [](unsigned char c) { return c < ' ' || c == 0x7f; });
  if (value.empty() || value.size() > 255 || value == "." || value == ".." || value.find('/') != std::string::npos ||
      control)
    throw Error("invalid " + kind + " '" + value.substr(0, 64) +
                "': expected a plain name (1-255 characters, no '/', no control characters, not '.' or '..')");
}

// Where `container_path` of `what` lies in the container: relative ones
// under the sandbox, as Mesos mounts them ($MESOS_SANDBOX/<path>).
std::string target_of(const std::string& what, const std::string& container_path, const std::string& sandbox) {
  if (container_path.empty()) throw Error(what + " has no container_path");
  if (policy::climbs(container_path) || container_path.find('\0') != std::string::npos)
    throw Error(what + ": container_path '" + container_path + "' has a '..' component or a NUL byte");
  if (container_path[0] == '/') return container_path;
  return sandbox + (sandbox.back() == '/' ? "" : "/") + container_path;
}

std::string absolute_root(const std::string& what, const std::string& root, const char* type) {
  if (root.empty() || root[0] != '/' || policy::climbs(root))
    throw Error(what + ": its " + type + " disk's root '" + root + "' is not an absolute path without '..'");
  return root;
}

// Where the agent keeps a persistent volume: Mesos's
// paths::getPersistentVolumePath (0.28 and 1.0 alike).
std::string host_directory(const Resource& disk, const std::string& what, const std::string& work_directory) {
  const std::string tail = "/volumes/roles/" + disk.role() + "/" + disk.disk().persistence().id();
  const auto& source = disk.disk().source();
  if (disk.disk().has_source() && source.type() == Resource::DiskInfo::Source::MOUNT)
    return absolute_root(what, source.mount().root(), "MOUNT");
  if (disk.disk().has_source() && source.type() == Resource::DiskInfo::Source::PATH)
    return absolute_root(what, source.path().root(), "PATH") + tail;
  if (disk.disk().has_source()) throw Error(what + ": its disk source has an unknown type");
  if (work_directory.empty())
    throw Error(what + ": MESOS_WORK_DIRECTORY is not set, so the agent's volumes cannot be found");
  return work_directory + tail;
}

void add_persistent(const Resource& disk, const std::string& work_directory, const std::string& sandbox,
                    std::vector<Mount>& into) {
  const std::string& id = disk.disk().persistence().id();
  check_plain("persistence id", id);
  check_plain("role of persistent volume '" + id + "'", disk.role());
  if (disk.role() == "*") throw Error("persistent volume '" + id + "' has no role (role '*')");
  Mount mount;
  mount.what = "persistent volume '" + id + "' of role '" + disk.role() + "'";
  if (!disk.disk().has_volume()) throw Error(mount.what + " has no volume (no container_path)");
  mount.source = host_directory(disk, mount.what, work_directory);
  mount.target = target_of(mount.what, disk.disk().volume().container_path(), sandbox);
  mount.readonly = disk.disk().volume().mode() == mesos::Volume::RO;
  // A command task's executor holds the task's resources too: once each.
  const bool seen = std::any_of(into.begin(), into.end(), [&](const Mount& m) {
    return m.source == mount.source && m.target == mount.target && m.readonly == mount.readonly;
  });
  if (!seen) into.push_back(mount);
}

Mount named(const mesos::Volume& volume, const mesos::ContainerInfo& info, const std::string& sandbox) {
  const auto& source = volume.source().docker_volume();
  Mount mount;
  mount.named = true;
  mount.source = source.name();
  mount.what = "docker volume '" + source.name() + "'";
  if (!ids::valid(source.name()))
    throw Error("invalid docker volume name '" + source.name().substr(0, 64) +
                "': expected 1-128 characters of [A-Za-z0-9_.-] starting with a letter or digit");
  if (!volume.host_path().empty()) throw Error(mount.what + " has a host_path too");
  mount.target = target_of(mount.what, volume.container_path(), sandbox);
  mount.readonly = volume.mode() == mesos::Volume::RO;
  mount.driver = source.driver().empty() ? info.docker().volume_driver() : source.driver();
  for (const auto& option : source.driver_options().parameter()) {
    const std::string& key = option.key();
    if (key.empty() || key.find_first_of("=\0", 0, 2) != std::string::npos ||
        option.value().find('\0') != std::string::npos)
      throw Error(mount.what + ": driver option '" + key.substr(0, 64) + "' is not key=value");
    mount.options.emplace_back(key, option.value());
  }
  return mount;
}

}  // namespace

std::string role_of(const mesos::containerizer::Launch& launch) {
  std::string role = "*";
  for (const auto* list : {&launch.task_info().resources(), &launch.executor_info().resources()})
    for (const auto& resource : *list) {
      if (resource.role() == "*" || resource.role() == role) continue;
      if (role != "*")
        throw Error("the Launch's resources are reserved for two roles, '" + role + "' and '" + resource.role() + "'");
      role = resource.role();
    }
  return role;
}

bool is_named(const mesos::Volume& volume) {
  return volume.has_source() && volume.source().type() == mesos::Volume::Source::DOCKER_VOLUME;
}

std::vector<Mount> of(const mesos::containerizer::Launch& launch, const mesos::ContainerInfo* info,
                      const std::string& work_directory, const std::string& sandbox) {
  std::vector<Mount> mounts;
  for (const auto* list : {&launch.task_info().resources(), &launch.executor_info().resources()})
    for (const auto& resource : *list)
      if (resource.has_disk() && resource.disk().has_persistence())
        add_persistent(resource, work_directory, sandbox, mounts);
  if (info)
    for (const auto& volume : info->volumes())
      if (is_named(volume)) mounts.push_back(named(volume, *info, sandbox));
  return mounts;
}

std::string local_device(const Mount& mount) {
  if (!mount.named || !(mount.driver.empty() || mount.driver == "local")) return "";
  std::string device, o;
  for (const auto& [key, value] : mount.options) {
    if (key == "device") device = value;
    if (key == "o") o = value;
  }
  const bool binds = ("," + o + ",").find(",bind,") != std::string::npos;
  if (!device.empty() && (device[0] == '/' || binds)) return device;
  return "";
}

}  // namespace dc::volumes
