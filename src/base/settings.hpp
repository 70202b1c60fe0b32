#pragma once
// Operator settings: each is an environment variable CONTAINERIZER_* and a
// command-line flag of the same name (environment.sh.dist documents them).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/types.hpp"

// Only settings.cpp and main.cpp see CLI11: each file that includes it
// constructs its validators at every start.
namespace CLI {
class App;
}  // namespace CLI

namespace dc {

// This process's environment, read once by main (read_environment) and
// passed down in Settings: nothing below main calls getenv.
struct CallEnvironment {
  Environment variables;               // all of it (launch passes the agent's on to the container)
  std::string work_directory;          // MESOS_WORK_DIRECTORY: the agent instance this call belongs to
  std::string docker_host;             // DOCKER_HOST
  std::optional<std::string> path;     // PATH, unless unset
  std::string libexec_directory;       // MESOS_LIBEXEC_DIRECTORY
  // The variable `name`; empty when unset.
  std::string value(const std::string& name) const;
};

// The environment `environ` holds (main passes its own).
CallEnvironment read_environment(const char* const* environ);

struct Settings {
  std::string docker = "docker";            // the docker CLI
  std::string docker_args;                  // global args before every docker command, e.g. "-H unix:///x.sock"
  std::string state_dir;                    // default: $MESOS_WORK_DIRECTORY/docker-containerizer
  double stop_timeout = 5;                  // seconds docker stop waits before SIGKILL
  double docker_timeout = 300;              // seconds one docker command may take (0: no limit)
  std::string log_level = "info";
  uint64_t frame_limit = 64ull << 20;       // largest frame accepted on stdin
  std::string task_mode = "auto";           // auto | executor | override | host
  bool mount_libexec = true;                // bind MESOS_LIBEXEC_DIRECTORY read-only
  std::string sandbox_directory = "/mnt/mesos/sandbox";
  double remove_delay = 0;                  // seconds between a container's end and its removal
  bool cgroups_enable_cfs = false;          // also set a CFS quota from cpus
  std::string init;                         // containerizer-init; default: beside the binary
  // Sandbox log rotation by the init (empty size: none, the task writes the files itself).
  std::string log_max_size;                 // e.g. 10M, 512K, 1G or bytes
  uint64_t log_keep = 5;                    // rotated files kept per stream
  uint64_t log_max_bytes = 0;               // log_max_size in bytes (finalize); 0: no rotation
  // Fetching CommandInfo URIs (src/fetch/).
  std::string fetch_cache_dir;              // default: STATE_DIR/fetch-cache
  uint64_t fetch_cache_size = 2ull << 30;   // bytes, least recently used entries evicted beyond it
  double fetch_timeout = 300;               // seconds per URI: its download and its extraction
  uint64_t fetch_max_size = 2ull << 30;     // bytes one URI may download
  uint64_t fetch_extract_max_size = 8ull << 30;     // bytes one archive may write
  uint64_t fetch_extract_max_entries = 100000;      // entries one archive may hold
  bool fetch_deny_local_addresses = false;  // refuse loopback and link-local addresses (http, https)
  std::string fetch_mesos_fetcher_schemes = "hdfs,hftp,s3,s3n,ftp,ftps";  // handed to mesos-fetcher
  // Operator policy (src/plan/policy.cpp parses and applies these).
  bool allow_docker_parameters = false;     // DockerInfo.parameters, CommandInfo.container.options
  std::string default_docker_parameters;    // key=value,... for containers with no parameters
  std::string global_container_mounts;      // host:container[:ro|rw],... in every container
  bool allow_privileged = false;            // DockerInfo.privileged
  std::string host_volumes = "none";        // any | none | host path prefixes, comma-separated
  std::string volume_drivers = "local";     // any | docker volume drivers, comma-separated
  std::string docker_config;                // docker config.json for pulls: a path or the JSON
  std::string docker_parameter_keys;        // docker run options added to the harmless ones frameworks may pass
  std::string foreign_volumes = "none";     // none | outside | any: named volumes not of the Launch's role
  uint64_t pids_limit = 4096;               // --pids-limit of every container; 0: none
  bool always_pull = false;                 // pull at every launch, present or not (registry credentials)
  // Operator hooks (src/container/hooks.cpp): executables `launched` and `ended` in hooks_dir.
  std::string hooks_dir;                    // empty: no hooks
  bool hooks_required = false;              // a failed `launched` fails the launch
  double hooks_timeout = 30;                // seconds a hook may run before it is killed
  CallEnvironment environment;              // not a setting: what main read of the process's environment

  // docker_args split on whitespace.
  std::vector<std::string> docker_global_args() const;
};

// The engines -H/--host name in docker's global args, as the docker CLI
// reads them: -H X, --host X, -H=X, --host=X, -HX.
std::vector<std::string> docker_hosts(const std::vector<std::string>& global_args);

// Registers every setting on `app` as --flag with its CONTAINERIZER_* variable.
void add_flags(CLI::App& app, Settings& settings);

// Fills derived defaults and checks values; throws dc::Error.
void finalize(Settings& settings);

// The running program's path, and its directory, which holds its
// companions (containerizer-init, docker-containerizer-codec).
std::string self_path();
std::string directory_of_self();

}  // namespace dc
