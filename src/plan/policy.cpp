#include "plan/policy.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "base/error.hpp"
#include "base/text.hpp"

namespace dc::policy {
namespace {

namespace fs = std::filesystem;

const char* const kAllowParameters = "CONTAINERIZER_ALLOW_DOCKER_PARAMETERS";
const char* const kDefaultParameters = "CONTAINERIZER_DEFAULT_DOCKER_PARAMETERS";
const char* const kGlobalMounts = "CONTAINERIZER_GLOBAL_CONTAINER_MOUNTS";
const char* const kAllowPrivileged = "CONTAINERIZER_ALLOW_PRIVILEGED";
const char* const kHostVolumes = "CONTAINERIZER_HOST_VOLUMES";
const char* const kVolumeDrivers = "CONTAINERIZER_VOLUME_DRIVERS";
const char* const kParameterKeys = "CONTAINERIZER_DOCKER_PARAMETER_KEYS";
const char* const kForeignVolumes = "CONTAINERIZER_FOREIGN_VOLUMES";

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
                                          "cgroup-parent", "device", "device-cgroup-rule",
                                          "gpus", "cap-add", "security-opt"};

// docker run options the program sets itself, or whose meaning it owns:
// the Launch's user and groups, the agent's limits (and the pids limit),
// its network and ports, the sandbox as working directory, the
// environment, the volume driver policy, the runtime, the logs and the
// init. A framework never passes them, and no operator setting adds them.
const char* const kOwnedOptions[] = {
    "user", "group-add", "memory", "memory-swap", "memory-reservation", "memory-swappiness", "kernel-memory",
    "cpu-shares", "cpu-period", "cpu-quota", "cpus", "cpu-rt-period", "cpu-rt-runtime", "cpuset-cpus", "cpuset-mems",
    "pids-limit", "oom-kill-disable", "oom-score-adj", "blkio-weight", "network", "net", "network-alias", "net-alias",
    "ip", "ip6", "link", "link-local-ip", "mac-address", "publish", "publish-all", "expose", "hostname", "domainname",
    "workdir", "env", "volume-driver", "runtime", "log-driver", "log-opt", "init", "restart", "stop-signal",
    "stop-timeout", "platform", "isolation"};

// What a framework may pass with parameters allowed, each harmless to the
// host and to the program: /dev/shm's size (a tmpfs charged to the
// container's memory), /etc/hosts and resolv.conf entries, labels outside
// the program's prefix, a read-only root, and fewer capabilities.
// security-opt only as no-new-privileges (below); the operator adds more
// with CONTAINERIZER_DOCKER_PARAMETER_KEYS (ulimit, tmpfs, sysctl...).
const char* const kHarmlessOptions[] = {"shm-size", "add-host", "dns", "dns-search", "dns-option", "dns-opt",
                                        "label", "read-only", "cap-drop"};

// The program's own label prefix: recover and the hooks trust these labels.
const char* const kOwnLabelPrefix = "docker-containerizer.";

// Options that repeat, each item identified by what precedes one of these
// characters in its value: a later item with the same identity replaces
// an earlier one, so it conflicts with the operator's.
const std::pair<const char*, const char*> kKeyedOptions[] = {
    {"label", "="}, {"ulimit", "="}, {"sysctl", "="}, {"tmpfs", ":"}, {"security-opt", "=:"}};
// Options that repeat and add up: an item conflicts only with itself.
const char* const kRepeatedOptions[] = {"add-host", "dns", "dns-search", "dns-option", "dns-opt", "cap-add",
                                        "cap-drop", "device", "device-cgroup-rule", "volume", "mount",
                                        "volumes-from", "env-file", "label-file", "storage-opt"};

// docker run's short options and their long names.
const std::pair<char, const char*> kShortOptions[] = {
    {'a', "attach"}, {'c', "cpu-shares"}, {'d', "detach"}, {'e', "env"}, {'h', "hostname"},
    {'i', "interactive"}, {'l', "label"}, {'m', "memory"}, {'p', "publish"}, {'P', "publish-all"},
    {'q', "quiet"}, {'t', "tty"}, {'u', "user"}, {'v', "volume"}, {'w', "workdir"}};
// Short options that take a value: the rest of `-vX` is the value, no option.
const char kShortWithValue[] = "acehlmpuvw";
// docker run's flags: options without a value (`--flag` alone is true).
const char* const kFlagOptions[] = {"detach", "d", "interactive", "i", "tty", "t", "rm", "privileged", "read-only",
                                    "publish-all", "P", "init", "oom-kill-disable", "sig-proxy", "no-healthcheck",
                                    "disable-content-trust", "quiet", "q", "help", "use-api-socket"};

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

// `shown`: the parameter as the refusal shows it.
void check_key(const std::string& key, const std::string& shown) {
  if (listed(kReserved, option_name(key)) || key.empty() || key[0] == '-')
    throw Error("docker parameter '" + shown + "' is not allowed: the containerizer sets it itself");
}

// A framework's option `shown` (key=value, for the refusal) named `key`:
// true when it is one that a setting allows (privileged, host paths).
bool check_reach(const Policy& policy, const std::string& key, const std::string& shown) {
  const std::string name = option_name(key);
  if (listed(kHostPathOptions, name)) {
    if (policy.any_host_volume) return true;
    throw Error("docker option '" + shown + "' reaches host paths (" + kHostVolumes + "=any allows it)");
  }
  if (listed(kPrivilegedOptions, name)) {
    if (policy.allow_privileged) return true;
    throw Error("docker option '" + shown + "' reaches beyond the container as privileged does (" + kAllowPrivileged +
                "=true allows it)");
  }
  return false;
}

bool no_new_privileges(const std::string& value) {
  return value == "no-new-privileges" || value == "no-new-privileges=true" || value == "no-new-privileges:true";
}

// A framework's option `name` with `value`: refused when the program owns
// it, when it reaches beyond the container without the setting that allows
// that, or when it is neither harmless nor added by the operator.
void check_framework_option(const Policy& policy, const std::string& name, const std::string& value) {
  const std::string shown = name + "=" + value;
  check_key(name, shown);
  if (listed(kOwnedOptions, name))
    throw Error("docker parameter '" + shown + "' is not allowed: the containerizer sets " + name +
                " itself (the Launch's user, the agent's limits, the network, the mounts and the labels are its own)");
  if (name == "label" && value.compare(0, std::strlen(kOwnLabelPrefix), kOwnLabelPrefix) == 0)
    throw Error("docker parameter '" + shown + "' is not allowed: labels under " + kOwnLabelPrefix +
                " are the containerizer's own");
  if (name == "security-opt" && no_new_privileges(value)) return;
  if (check_reach(policy, name, shown)) return;
  if (listed(kHarmlessOptions, name) || std::count(policy.docker_parameter_keys.begin(),
                                                   policy.docker_parameter_keys.end(), name))
    return;
  throw Error("docker parameter '" + shown + "' is not among the options a framework may pass (" + kParameterKeys +
              " adds it)");
}

// What a parameter sets, for conflicts: the option, or for options that
// repeat, the option and its item.
std::string slot(const std::string& name, const std::string& value) {
  for (const auto& [keyed, ends] : kKeyedOptions)
    if (name == keyed) return name + "=" + value.substr(0, value.find_first_of(ends));
  if (listed(kRepeatedOptions, name)) return name + "=" + value;
  return name;
}

// A capability as docker reads it: any case, with or without CAP_.
std::string capability(const std::string& written) {
  const std::string name = text::upper(written);
  return name.rfind("CAP_", 0) == 0 ? name.substr(4) : name;
}

// The operator's default that `name=value` would undo, or "".
std::string conflict(const Parameters& defaults, const std::string& name, const std::string& value) {
  for (const auto& [key, default_value] : defaults) {
    const std::string option = option_name(key);
    if (slot(option, default_value) == slot(name, value) ||
        (name == "cap-add" && option == "cap-drop" &&
         (capability(default_value) == "ALL" || capability(default_value) == capability(value))))
      return key + "=" + default_value;
  }
  return "";
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
      check_key(parameters.back().first, parameters.back().first);
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
  for (const auto& key : split_list(settings.docker_parameter_keys)) {
    const std::string name = option_name(key);
    if (name != key || listed(kReserved, name) || listed(kOwnedOptions, name))
      throw Error(std::string(kParameterKeys) + ": '" + key +
                  "' is not a docker run option a framework may be allowed (the containerizer sets it itself)");
    policy.docker_parameter_keys.push_back(name);
  }
  const std::string& foreign = settings.foreign_volumes;
  if (foreign != "none" && foreign != "outside" && foreign != "any")
    throw Error(std::string(kForeignVolumes) + " must be none, outside or any, not '" + foreign + "'");
  policy.foreign_volumes = foreign == "any"       ? ForeignVolumes::any
                           : foreign == "outside" ? ForeignVolumes::outside
                                                  : ForeignVolumes::none;
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

std::vector<std::string> engine_sockets(const std::vector<std::string>& docker_global_args,
                                        const std::string& docker_host) {
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
  add(docker_host);
  for (const auto& host : docker_hosts(docker_global_args)) add(host);
  return sockets;
}

Parameters framework_parameters(const Policy& policy,
                                const google::protobuf::RepeatedPtrField<mesos::Parameter>& parameters) {
  if (parameters.empty()) return {};
  if (!policy.allow_docker_parameters)
    throw Error("docker parameters are refused (" + std::string(kAllowParameters) + "=true allows them): " +
                parameters.begin()->key() + "=" + parameters.begin()->value());
  Parameters given;
  for (const auto& parameter : parameters) {
    const std::string text = parameter.key() + "=" + parameter.value();
    given.emplace_back(option_name(text), text.substr(text.find('=') + 1));
  }
  return given;
}

Parameters legacy_parameters(const Policy& policy, const google::protobuf::RepeatedPtrField<std::string>& options) {
  if (options.empty()) return {};
  if (!policy.allow_docker_parameters)
    throw Error("legacy CommandInfo.container.options (raw docker arguments) are refused (" +
                std::string(kAllowParameters) + "=true allows them): " + *options.begin());
  Parameters given;
  // An option that takes a value and has none in its word takes the next.
  auto take_value = [&](int& i, const std::string& name, const std::string& rest) {
    if (!rest.empty() || listed(kFlagOptions, name)) return rest.empty() ? std::string("true") : rest;
    if (i + 1 >= options.size()) throw Error("legacy option '" + options[i] + "' has no value");
    return options[++i];
  };
  for (int i = 0; i < options.size(); ++i) {
    const std::string& word = options[i];
    if (word.size() < 2 || word[0] != '-')
      throw Error("legacy option word '" + word + "' is neither an option nor an option's value");
    if (word[1] == '-') {
      const size_t equals = word.find('=');
      const std::string name = option_name(word.substr(2));
      given.emplace_back(name, equals == std::string::npos ? take_value(i, name, "") : word.substr(equals + 1));
      continue;
    }
    // -it is -i -t; in -ve or -v/x the v takes the rest as its value.
    const int word_at = i;
    for (size_t at = 1; at < word.size(); ++at) {
      const auto known = std::find_if(std::begin(kShortOptions), std::end(kShortOptions),
                                       [&](const auto& s) { return s.first == word[at]; });
      const std::string name = known == std::end(kShortOptions) ? "-" + word.substr(at, 1) : known->second;
      if (!std::strchr(kShortWithValue, word[at])) {
        given.emplace_back(name, "true");
        continue;
      }
      std::string rest = word.substr(at + 1);
      if (!rest.empty() && rest[0] == '=') rest.erase(0, 1);
      int next = word_at;
      given.emplace_back(name, take_value(next, name, rest));
      i = next;
      break;
    }
  }
  return given;
}

Options docker_options(const Policy& policy, const Parameters& given) {
  Options options;
  for (const auto& [key, value] : policy.default_docker_parameters) options.args.push_back("--" + key + "=" + value);
  for (const auto& [name, value] : given) {
    check_framework_option(policy, name, value);
    if (const std::string undone = conflict(policy.default_docker_parameters, name, value); !undone.empty()) {
      options.warnings.push_back("docker parameter '" + name + "=" + value + "' dropped: the operator's " + undone +
                                 " (" + kDefaultParameters + ") stands");
      continue;
    }
    options.args.push_back("--" + name + "=" + value);
  }
  return options;
}

bool defaults_set(const Policy& policy, const std::string& option) {
  return std::any_of(policy.default_docker_parameters.begin(), policy.default_docker_parameters.end(),
                     [&](const auto& parameter) { return option_name(parameter.first) == option; });
}

void check_privileged(const Policy& policy) {
  if (!policy.allow_privileged)
    throw Error("privileged containers are refused (" + std::string(kAllowPrivileged) + "=true allows them)");
}

void check_volume_driver(const Policy& policy, const std::string& what, const std::string& driver) {
  const std::string name = driver.empty() ? "local" : driver;
  if (policy.any_volume_driver || listed_in(policy.volume_drivers, name)) return;
  throw Error(what + ": volume driver '" + name + "' is refused (" + kVolumeDrivers + " lists the drivers allowed: " +
              (policy.volume_drivers.empty() ? std::string("none") : text::join(policy.volume_drivers, ",")) + ")");
}

void check_local_volume(const Policy& policy, const std::string& what, const Parameters& options) {
  if (policy.any_host_volume || options.empty()) return;
  std::map<std::string, std::string> given;
  for (const auto& [key, value] : options)
    if (!given.emplace(key, value).second) throw Error(what + ": driver option '" + key + "' is given twice");
  const std::string refused = what + ": the local driver's option ";
  const std::string allows = " is refused (the local driver takes no options, type=tmpfs with o=size=,nr_inodes=,"
                             "mode=,uid=,gid=,nosuid,nodev,noexec,ro, or o=bind and an absolute device; " +
                             std::string(kHostVolumes) + "=any allows any)";
  for (const auto& [key, value] : given)
    if (key != "type" && key != "device" && key != "o") throw Error(refused + "'" + key + "=" + value + "'" + allows);
  const std::string type = given.count("type") ? given["type"] : "";
  const bool tmpfs = type == "tmpfs";
  if (!tmpfs && type != "none" && !type.empty()) throw Error(refused + "'type=" + type + "'" + allows);
  const std::string device = given.count("device") ? given["device"] : "";
  if (tmpfs && !device.empty() && device != "tmpfs") throw Error(refused + "'device=" + device + "'" + allows);
  if (!tmpfs && (device.empty() || !absolute(device))) throw Error(refused + "'device=" + device + "'" + allows);
  // Mount flags the kernel and dockerd read from o: a bind (needed for
  // type=none, never for tmpfs) and flags that only take away.
  bool bind = false;
  for (const auto& item : split_list(given.count("o") ? given["o"] : "")) {
    const std::string name = item.substr(0, item.find('='));
    const std::string value = item.find('=') == std::string::npos ? "" : item.substr(item.find('=') + 1);
    const bool number = !value.empty() && std::all_of(value.begin(), value.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '%';
    });
    const bool sized = tmpfs && number && (name == "size" || name == "nr_inodes" || name == "nr_blocks" ||
                                           name == "mode" || name == "uid" || name == "gid");
    const bool flag = value.empty() && (name == "nosuid" || name == "nodev" || name == "noexec" || name == "ro");
    const bool binds = !tmpfs && item == "bind";
    bind = bind || binds;
    if (!sized && !flag && !binds) throw Error(refused + "'o=" + given["o"] + "' (" + item + ")" + allows);
  }
  if (!tmpfs && !bind) throw Error(refused + "'device=" + device + "' without o=bind" + allows);
}

void check_volume_owner(const Policy& policy, const std::string& what, const std::string& owner,
                        const std::string& role) {
  if (owner == role || policy.foreign_volumes == ForeignVolumes::any) return;
  if (owner.empty() && policy.foreign_volumes == ForeignVolumes::outside) return;
  if (owner.empty())
    throw Error(what + " was made outside the containerizer, so no role owns it; this task's role is '" + role +
                "' (" + kForeignVolumes + "=outside allows it)");
  throw Error(what + " belongs to role '" + owner + "', not to this task's role '" + role + "' (" + kForeignVolumes +
              "=any allows it)");
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
  if (!allowed)
    throw Error(what + " is outside " + kHostVolumes + " (" + text::join(policy.host_volume_prefixes, ",") + allows);
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
  // The sandbox again, elsewhere in the container: there its stdout and
  // stderr are not pinned, and the task could put a link in their place,
  // which the agent follows as root.
  if (normalize(resolved) == normalize(sandbox))
    throw Error(what + " is the sandbox itself, which the container has already (" + kHostVolumes +
                "=any allows it)");
}

}  // namespace dc::policy
