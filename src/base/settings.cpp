#include "base/settings.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <sstream>

#include "base/error.hpp"
#include "base/text.hpp"

namespace dc {
namespace {

template <typename T>
void option(CLI::App& app, const std::string& name, T& value, const std::string& help) {
  std::string env = "CONTAINERIZER_" + text::upper(name);
  std::replace(env.begin(), env.end(), '-', '_');
  app.add_option("--" + name, value, help)->envname(env)->capture_default_str();
}

// "10M", "512K", "1G" (powers of 1024) or plain bytes; 0 or empty: none.
uint64_t parse_size(const std::string& text) {
  const std::string refusal = "CONTAINERIZER_LOG_MAX_SIZE must be a size like 10M, 512K, 1G or bytes, not '" +
                              text.substr(0, 64) + "'";
  if (text.empty()) return 0;
  size_t digits = 0;
  while (digits < text.size() && isdigit(static_cast<unsigned char>(text[digits]))) digits++;
  const std::string suffix = text.substr(digits);
  int shift = 0;
  if (suffix == "K" || suffix == "k") shift = 10;
  else if (suffix == "M" || suffix == "m") shift = 20;
  else if (suffix == "G" || suffix == "g") shift = 30;
  else if (!suffix.empty()) throw Error(refusal);
  // At most 2^62 bytes, as the init accepts: 18 digits cannot overflow.
  if (digits == 0 || digits > 18) throw Error(refusal);
  const uint64_t value = std::stoull(text.substr(0, digits));
  if (value > (uint64_t{1} << (62 - shift))) throw Error(refusal);
  return value << shift;
}

}  // namespace

std::vector<std::string> Settings::docker_global_args() const {
  std::istringstream words(docker_args);
  std::vector<std::string> args;
  for (std::string word; words >> word;) args.push_back(word);
  return args;
}

std::vector<std::string> docker_hosts(const std::vector<std::string>& global_args) {
  std::vector<std::string> hosts;
  for (size_t i = 0; i < global_args.size(); ++i) {
    const std::string& arg = global_args[i];
    std::string host;
    if ((arg == "-H" || arg == "--host") && i + 1 < global_args.size())
      host = global_args[++i];
    else if (arg.rfind("--host=", 0) == 0)
      host = arg.substr(7);
    else if (arg.rfind("-H", 0) == 0)
      host = arg.substr(arg[2] == '=' ? 3 : 2);
    if (!host.empty()) hosts.push_back(host);
  }
  return hosts;
}

std::string CallEnvironment::value(const std::string& name) const {
  auto found = variables.find(name);
  return found == variables.end() ? "" : found->second;
}

CallEnvironment read_environment(const char* const* environ) {
  CallEnvironment result;
  // A name given twice: the map keeps the last, as the environment handed
  // on always did; the named fields the first, as getenv() reads them.
  Environment first;
  for (const char* const* entry = environ; *entry; ++entry) {
    const std::string text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string::npos) continue;
    result.variables[text.substr(0, equals)] = text.substr(equals + 1);
    first.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  auto value = [&first](const char* name) {
    auto found = first.find(name);
    return found == first.end() ? std::optional<std::string>() : found->second;
  };
  result.work_directory = value("MESOS_WORK_DIRECTORY").value_or("");
  result.docker_host = value("DOCKER_HOST").value_or("");
  result.path = value("PATH");
  result.libexec_directory = value("MESOS_LIBEXEC_DIRECTORY").value_or("");
  return result;
}

// One flag per two lines, its name then its help: a table to scan.
void add_flags(CLI::App& app, Settings& s) {
  option(app, "docker", s.docker,
         "docker CLI to run");
  option(app, "docker-args", s.docker_args,
         "global docker arguments, e.g. '-H unix:///run/d.sock'");
  option(app, "state-dir", s.state_dir,
         "per-container records (default $MESOS_WORK_DIRECTORY/docker-containerizer)");
  option(app, "stop-timeout", s.stop_timeout,
         "seconds destroy waits after SIGTERM before SIGKILL");
  option(app, "docker-timeout", s.docker_timeout,
         "seconds one docker command may take before it is killed (0: no limit)");
  option(app, "log-level", s.log_level,
         "trace, debug, info, warn, error or off");
  option(app, "frame-limit", s.frame_limit,
         "largest input frame in bytes");
  option(app, "task-mode", s.task_mode,
         "command tasks: auto, executor (in the container) or override (agent's executor on the host)");
  option(app, "mount-libexec", s.mount_libexec,
         "bind MESOS_LIBEXEC_DIRECTORY read-only");
  option(app, "sandbox-directory", s.sandbox_directory,
         "sandbox path inside the container");
  option(app, "remove-delay", s.remove_delay,
         "seconds to keep an ended container before removal");
  option(app, "cgroups-enable-cfs", s.cgroups_enable_cfs,
         "set a CFS quota from cpus");
  option(app, "init", s.init,
         "containerizer-init binary (default: beside this program)");
  option(app, "log-max-size", s.log_max_size,
         "rotate the sandbox's stdout and stderr past this size, e.g. 10M, 512K, 1G or bytes (default: never)");
  option(app, "log-keep", s.log_keep,
         "rotated stdout.N and stderr.N files kept");
  option(app, "fetch-cache-dir", s.fetch_cache_dir,
         "shared cache of fetched URIs (default STATE_DIR/fetch-cache)");
  option(app, "fetch-cache-size", s.fetch_cache_size,
         "fetch cache size limit in bytes");
  option(app, "fetch-timeout", s.fetch_timeout,
         "seconds each URI may take to fetch and extract");
  option(app, "fetch-max-size", s.fetch_max_size,
         "bytes one URI may download");
  option(app, "fetch-extract-max-size", s.fetch_extract_max_size,
         "bytes one archive may write when extracted");
  option(app, "fetch-extract-max-entries", s.fetch_extract_max_entries,
         "entries one archive may hold");
  option(app, "fetch-deny-local-addresses", s.fetch_deny_local_addresses,
         "refuse to fetch from loopback and link-local addresses (127/8, ::1, 169.254/16, fe80::/10)");
  option(app, "fetch-mesos-fetcher-schemes", s.fetch_mesos_fetcher_schemes,
         "URI schemes handed to $MESOS_LIBEXEC_DIRECTORY/mesos-fetcher, comma-separated");
  option(app, "allow-docker-parameters", s.allow_docker_parameters,
         "allow DockerInfo.parameters");
  option(app, "default-docker-parameters", s.default_docker_parameters,
         "key=value,... for containers that bring no parameters");
  option(app, "global-container-mounts", s.global_container_mounts,
         "host:container[:ro|rw],... in every container");
  option(app, "allow-privileged", s.allow_privileged,
         "allow DockerInfo.privileged");
  option(app, "host-volumes", s.host_volumes,
         "host paths volumes may name, and local URIs read as root: none, any or prefixes, comma-separated");
  option(app, "volume-drivers", s.volume_drivers,
         "volume drivers frameworks may name (named volumes, DockerInfo.volume_driver): any or names, comma-separated");
  option(app, "docker-config", s.docker_config,
         "docker config.json for pulls: a path or the JSON itself");
  option(app, "docker-parameter-keys", s.docker_parameter_keys,
         "docker run options frameworks may pass besides the harmless ones, comma-separated (e.g. ulimit,tmpfs)");
  option(app, "foreign-volumes", s.foreign_volumes,
         "named volumes a task may use besides its role's: none, outside (made outside the containerizer) or any");
  option(app, "pids-limit", s.pids_limit,
         "processes and threads each container may have (0: no limit)");
  option(app, "always-pull", s.always_pull,
         "pull the image at every launch, with the launch's credentials, even when the engine has it");
  option(app, "hooks-dir", s.hooks_dir,
         "directory of the executables `launched` and `ended` (default: no hooks)");
  option(app, "hooks-required", s.hooks_required,
         "a failed `launched` hook fails the launch");
  option(app, "hooks-timeout", s.hooks_timeout,
         "seconds a hook may run before it is killed");
}

void finalize(Settings& s) {
  if (s.state_dir.empty()) {
    const std::string& work = s.environment.work_directory;
    s.state_dir = work.empty() ? "/var/lib/docker-containerizer" : work + "/docker-containerizer";
  }
  if (s.init.empty()) s.init = directory_of_self() + "/containerizer-init";
  if (s.fetch_cache_dir.empty()) s.fetch_cache_dir = s.state_dir + "/fetch-cache";
  if (s.fetch_timeout <= 0) throw Error("CONTAINERIZER_FETCH_TIMEOUT must be positive");
  for (auto [value, name] : {std::pair{s.fetch_max_size, "CONTAINERIZER_FETCH_MAX_SIZE"},
                             {s.fetch_extract_max_size, "CONTAINERIZER_FETCH_EXTRACT_MAX_SIZE"},
                             {s.fetch_extract_max_entries, "CONTAINERIZER_FETCH_EXTRACT_MAX_ENTRIES"}})
    if (value == 0) throw Error(std::string(name) + " must be positive");
  if (s.task_mode != "auto" && s.task_mode != "executor" && s.task_mode != "override" && s.task_mode != "host")
    throw Error("CONTAINERIZER_TASK_MODE must be 'auto', 'executor', 'override' or 'host', not '" + s.task_mode +
                "'");
  if (s.stop_timeout < 0) throw Error("CONTAINERIZER_STOP_TIMEOUT must not be negative");
  if (s.docker_timeout < 0) throw Error("CONTAINERIZER_DOCKER_TIMEOUT must not be negative");
  if (s.remove_delay < 0) throw Error("CONTAINERIZER_REMOVE_DELAY must not be negative");
  if (!s.hooks_dir.empty() && s.hooks_dir[0] != '/') throw Error("CONTAINERIZER_HOOKS_DIR must be an absolute path");
  if (!(s.hooks_timeout > 0)) throw Error("CONTAINERIZER_HOOKS_TIMEOUT must be positive");
  if (s.sandbox_directory.empty() || s.sandbox_directory[0] != '/')
    throw Error("CONTAINERIZER_SANDBOX_DIRECTORY must be an absolute path");
  s.log_max_bytes = parse_size(s.log_max_size);
  if (s.log_keep > 1000000) throw Error("CONTAINERIZER_LOG_KEEP must be at most 1000000");
}

std::string self_path() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : "./docker-containerizer";
}

std::string directory_of_self() {
  const std::string self = self_path();
  return self.substr(0, self.rfind('/'));
}

}  // namespace dc
