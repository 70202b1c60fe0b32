#include "policy.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "error.hpp"

namespace dc::policy {
namespace {

namespace fs = std::filesystem;

const char* const kAllowParameters = "CONTAINERIZER_ALLOW_DOCKER_PARAMETERS";
const char* const kDefaultParameters = "CONTAINERIZER_DEFAULT_DOCKER_PARAMETERS";
const char* const kGlobalMounts = "CONTAINERIZER_GLOBAL_CONTAINER_MOUNTS";
const char* const kAllowPrivileged = "CONTAINERIZER_ALLOW_PRIVILEGED";
const char* const kHostVolumes = "CONTAINERIZER_HOST_VOLUMES";
const char* const kVolumeDrivers = "CONTAINERIZER_VOLUME_DRIVERS";

// docker run options that would undo what the program relies on: refused
// from frameworks and operators alike.
const char* const kReserved[] = {"entrypoint", "name", "rm", "detach", "d", "pull",
                                 "interactive", "i", "tty", "t", "attach", "a"};

// docker run options with which a framework reaches beyond its container,
// each allowed only by the setting that opens the same door elsewhere.
// Host paths: bind mounts, another container's mounts, files the docker CLI
// reads or writes as root.
const char* const kHostPathOptions[] = {"volume", "v", "mount", "volumes-from", "env-file", "label-file", "cidfile"};
// The host's (or another container's) namespaces, cgroups, devices,
// capabilities and confinement: what privileged gives at once.
const char* const kPrivilegedOptions[] = {"privileged", "pid", "ipc", "uts", "userns", "cgroupns",
                                          "cgroup-parent", "network", "net", "device", "device-cgroup-rule",
                                          "gpus", "cap-add", "security-opt"};

// Short options that take a value: the rest of `-vX` is the value, no option.
const char kShortWithValue[] = "acehlmpuvw";

template <size_t N>
bool listed(const char* const (&list)[N], const std::string& name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

// The option a key names: `--pid=host=x` is --pid whatever follows.
std::string option_name(const std::string& key) {
  std::string name = key.substr(0, key.find('='));
  for (auto& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

void check_key(const std::string& key) {
  if (listed(kReserved, option_name(key)) || key.empty() || key[0] == '-')
    throw Error("docker parameter '" + key + "' is not allowed: the containerizer sets it itself");
}

// A framework's option `shown` (key=value, for the refusal) named `key`.
void check_reach(const Policy& policy, const std::string& key, const std::string& shown) {
  const std::string name = option_name(key);
  if (listed(kHostPathOptions, name) && !policy.any_host_volume)
    throw Error("docker option '" + shown + "' reaches host paths (" + kHostVolumes + "=any allows it)");
  if (listed(kPrivilegedOptions, name) && !policy.allow_privileged)
    throw Error("docker option '" + shown + "' reaches beyond the container as privileged does (" + kAllowPrivileged +
                "=true allows it)");
}

// Splits on commas not preceded by a backslash; `\,` becomes a comma.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == ',') {
      item += ',';
      ++i;
    } else if (text[i] == ',') {
      items.push_back(item);
      item.clear();
    } else {
      item += text[i];
    }
  }
  items.push_back(item);
  items.erase(std::remove(items.begin(), items.end(), std::string()), items.end());
  return items;
}

bool absolute(const std::string& path) { return !path.empty() && path[0] == '/'; }

bool listed_in(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

Mount parse_mount(const std::string& text) {
  const std::string problem = std::string(kGlobalMounts) + ": '" + text + "' ";
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t colon; (colon = text.find(':', start)) != std::string::npos; start = colon + 1)
    fields.push_back(text.substr(start, colon - start));
  fields.push_back(text.substr(start));
  if (fields.size() < 2 || fields.size() > 3) throw Error(problem + "is not host:container[:ro|rw]");
  if (!absolute(fields[0]) || !absolute(fields[1])) throw Error(problem + "needs absolute paths");
  if (fields.size() == 3 && fields[2] != "ro" && fields[2] != "rw")
    throw Error(problem + "has mode '" + fields[2] + "', not ro or rw");
  return {normalize(fields[0]), normalize(fields[1]), fields.size() == 3 && fields[2] == "ro"};
}

bool under(const std::string& path, const std::string& prefix) {
  return prefix == "/" || path == prefix || path.compare(0, prefix.size() + 1, prefix + "/") == 0;
}

}  // namespace

std::string normalize(const std::string& path) {
  std::string text = fs::path(path).lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

Parameters parse_parameters(const std::string& text, const std::string& setting) {
  Parameters parameters;
  for (const auto& item : split_list(text)) {
    const auto equals = item.find('=');
    if (equals == std::string::npos || equals == 0)
      throw Error(setting + ": '" + item + "' is not key=value");
    parameters.emplace_back(item.substr(0, equals), item.substr(equals + 1));
    try {
      check_key(parameters.back().first);
    } catch (const Error& e) {
      throw Error(setting + ": " + e.what());
    }
  }
  return parameters;
}

Policy from(const Settings& settings) {
  Policy policy;
  policy.allow_docker_parameters = settings.allow_docker_parameters;
  policy.allow_privileged = settings.allow_privileged;
  policy.default_docker_parameters = parse_parameters(settings.default_docker_parameters, kDefaultParameters);
  for (const auto& item : split_list(settings.global_container_mounts))
    policy.global_container_mounts.push_back(parse_mount(item));
  policy.any_host_volume = settings.host_volumes == "any";
  if (!policy.any_host_volume && settings.host_volumes != "none")
    for (const auto& prefix : split_list(settings.host_volumes)) {
      if (!absolute(prefix))
        throw Error(std::string(kHostVolumes) + ": '" + prefix + "' is not any, none or an absolute path");
      policy.host_volume_prefixes.push_back(normalize(prefix));
    }
  policy.any_volume_driver = settings.volume_drivers == "any";
  if (!policy.any_volume_driver) policy.volume_drivers = split_list(settings.volume_drivers);
  return policy;
}

std::vector<std::string> engine_sockets(const Settings& settings,
                                        const std::map<std::string, std::string>& environment) {
  std::vector<std::string> sockets;
  // docker's, containerd's, and the containerd dockerd runs itself.
  for (const char* run : {"/var/run", "/run"})
    for (const char* socket : {"/docker.sock", "/containerd/containerd.sock", "/docker/containerd/containerd.sock"})
      sockets.push_back(std::string(run) + socket);
  auto add = [&](const std::string& host) {
    const std::string scheme = "unix://";
    if (host.compare(0, scheme.size(), scheme) == 0 && absolute(host.substr(scheme.size())))
      sockets.push_back(normalize(host.substr(scheme.size())));
  };
  auto docker_host = environment.find("DOCKER_HOST");
  if (docker_host != environment.end()) add(docker_host->second);
  for (const auto& host : docker_hosts(settings.docker_global_args())) add(host);
  return sockets;
}

std::vector<std::string> parameter_options(const Policy& policy,
                                           const google::protobuf::RepeatedPtrField<mesos::Parameter>& parameters) {
  Parameters chosen = policy.default_docker_parameters;
  if (!parameters.empty()) {
    if (!policy.allow_docker_parameters)
      throw Error("docker parameters are refused (" + std::string(kAllowParameters) + "=true allows them): " +
                  parameters.begin()->key() + "=" + parameters.begin()->value());
    chosen.clear();
    for (const auto& parameter : parameters) {
      check_key(parameter.key());
      check_reach(policy, parameter.key(), parameter.key() + "=" + parameter.value());
      chosen.emplace_back(parameter.key(), parameter.value());
    }
  }
  std::vector<std::string> options;
  for (const auto& [key, value] : chosen) options.push_back("--" + key + "=" + value);
  return options;
}

std::vector<std::string> legacy_options(const Policy& policy,
                                        const google::protobuf::RepeatedPtrField<std::string>& options) {
  if (options.empty()) return {};
  if (!policy.allow_docker_parameters)
    throw Error("legacy CommandInfo.container.options (raw docker arguments) are refused (" +
                std::string(kAllowParameters) + "=true allows them): " + *options.begin());
  // Every word that starts with '-' is read as options, even one docker
  // would take as the previous option's value: refusing too much is safe.
  for (const auto& option : options) {
    if (option.size() < 2 || option[0] != '-') continue;  // a value
    std::vector<std::string> keys;
    if (option[1] == '-') {
      keys.push_back(option.substr(2));
    } else {
      // -it is -i -t; in -ve or -v/x the v takes the rest as its value.
      for (size_t i = 1; i < option.size() && option[i] != '='; ++i) {
        keys.emplace_back(1, option[i]);
        if (std::strchr(kShortWithValue, option[i])) break;
      }
    }
    for (const auto& key : keys) {
      check_key(key);
      check_reach(policy, key, option);
    }
  }
  return {options.begin(), options.end()};
}

void check_privileged(const Policy& policy) {
  if (!policy.allow_privileged)
    throw Error("privileged containers are refused (" + std::string(kAllowPrivileged) + "=true allows them)");
}

void check_volume_driver(const Policy& policy, const std::string& what, const std::string& driver) {
  const std::string name = driver.empty() ? "local" : driver;
  if (policy.any_volume_driver || listed_in(policy.volume_drivers, name)) return;
  throw Error(what + ": volume driver '" + name + "' is refused (" + kVolumeDrivers + " lists the drivers allowed: " +
              (policy.volume_drivers.empty() ? std::string("none") : join(policy.volume_drivers)) + ")");
}

bool climbs(const std::string& path) {
  size_t start = 0;
  for (;;) {
    const size_t end = path.find('/', start);
    if (path.compare(start, end == std::string::npos ? std::string::npos : end - start, "..") == 0) return true;
    if (end == std::string::npos) return false;
    start = end + 1;
  }
}

void check_host_path(const Policy& policy, const std::string& what, const std::string& resolved) {
  if (policy.any_host_volume) return;
  const std::string allows = "; a prefix holding it, or any, allows it)";
  if (policy.host_volume_prefixes.empty()) throw Error(what + " is refused (" + kHostVolumes + "=none" + allows);
  const bool allowed = std::any_of(policy.host_volume_prefixes.begin(), policy.host_volume_prefixes.end(),
                                   [&](const std::string& prefix) { return under(resolved, prefix); });
  if (!allowed) throw Error(what + " is outside " + kHostVolumes + " (" + join(policy.host_volume_prefixes) + allows);
  // An allowed prefix may still hold the engine's socket (/run, /var/run):
  // binding it, or a directory above it, gives the framework the engine.
  for (const auto& socket : policy.engine_sockets)
    if (under(socket, resolved))
      throw Error(what + " is or holds the container engine's socket " + socket + ", refused under every prefix (" +
                  kHostVolumes + "=any allows it)");
}

void check_host_volume(const Policy& policy, const std::string& given, const std::string& resolved,
                       const std::string& sandbox) {
  if (policy.any_host_volume) return;
  const std::string what = "volume host_path '" + given + "'" + (given == resolved ? "" : " (" + resolved + ")");
  if (absolute(given)) return check_host_path(policy, what, resolved);
  if (!under(resolved, sandbox)) throw Error(what + " leaves the sandbox (" + kHostVolumes + "=any allows it)");
}

std::string resolve(const std::string& path) {
  std::error_code error;
  const fs::path resolved = fs::weakly_canonical(path, error);
  return normalize(error ? path : resolved.string());
}

}  // namespace dc::policy
