#pragma once
// Operator policy: what a framework's ContainerInfo may ask for on this agent
// (CONTAINERIZER_ALLOW_DOCKER_PARAMETERS, _DOCKER_PARAMETER_KEYS,
// _ALLOW_PRIVILEGED, _HOST_VOLUMES, _FOREIGN_VOLUMES) and what every
// container gets (_DEFAULT_DOCKER_PARAMETERS, _GLOBAL_CONTAINER_MOUNTS). It lives on the agent, so no scheduler can
// bypass it. Pure (the file system is asked by files::real_path); run_argv.cpp and
// the fetcher ask it, and
// every refusal names the setting that would allow what was refused.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "mesos.pb.h"
#include "base/settings.hpp"

namespace dc::policy {

using Parameters = std::vector<std::pair<std::string, std::string>>;

struct Mount {
  std::string host;
  std::string container;
  bool readonly = false;
};

// Named volumes that a Launch of one role may use besides its role's own
// (CONTAINERIZER_FOREIGN_VOLUMES): none, those made outside the program
// (no role label), or any.
enum class ForeignVolumes { none, outside, any };

struct Policy {
  bool allow_docker_parameters = false;
  // Option names the operator adds to the harmless ones a framework may pass.
  std::vector<std::string> docker_parameter_keys;
  Parameters default_docker_parameters;
  std::vector<Mount> global_container_mounts;
  bool allow_privileged = false;
  bool any_host_volume = false;
  bool any_volume_driver = false;
  std::vector<std::string> volume_drivers;  // when !any_volume_driver
  // When !any_host_volume; none: empty. Compared as given (not resolved), so
  // no link a framework makes can widen a prefix.
  std::vector<std::string> host_volume_prefixes;
  // Resolved paths of the engine's sockets: refused under prefixes (plan_run
  // fills them in from engine_sockets()).
  std::vector<std::string> engine_sockets;
  ForeignVolumes foreign_volumes = ForeignVolumes::none;
};

// The settings parsed; throws dc::Error naming the malformed setting.
Policy from(const Settings& settings);

// Where the engines this host runs listen: docker's and containerd's
// default sockets, and the unix sockets that DOCKER_HOST (`docker_host`)
// and docker's global args (CONTAINERIZER_DOCKER_ARGS) name. Whoever
// reaches one runs any container: root on the host.
std::vector<std::string> engine_sockets(const std::vector<std::string>& docker_global_args,
                                        const std::string& docker_host);

// `key=value,key=value` (a key may repeat; `\,` is a comma in a value).
Parameters parse_parameters(const std::string& text, const std::string& setting);

// A framework's DockerInfo.parameters as (option, value) pairs: `key=value`
// split at its first '=' (so a key's own '=' cannot hide the option it
// names), the option spelt as docker spells it. Throws unless parameters
// are allowed.
Parameters framework_parameters(const Policy& policy,
                                const google::protobuf::RepeatedPtrField<mesos::Parameter>& parameters);

// Legacy CommandInfo.container.options (raw docker run arguments) as the
// same pairs: `--option=value`, `--option value`, `-o value`, `-ovalue`,
// `-it`, and an option docker takes as a flag. Throws unless parameters are
// allowed, or for a word docker would read as neither an option nor a value.
Parameters legacy_parameters(const Policy& policy, const google::protobuf::RepeatedPtrField<std::string>& options);

struct Options {
  std::vector<std::string> args;      // --option=value, in order
  std::vector<std::string> warnings;  // framework parameters dropped for the operator's
};

// docker run options: the operator's defaults, always, then the framework's
// `given` parameters that are allowed and do not conflict with them. Each of
// `given` must be a harmless option (or one the operator added), never one
// the program sets itself; one that reaches host paths or beyond the
// container needs the setting that opens that door. One that conflicts with
// a default is dropped with a warning: same option, or for options that
// repeat the same item (label key, ulimit, tmpfs path, security-opt name,
// sysctl), or a cap-add of a capability the operator's cap-drop drops.
// Throws naming the first refused.
Options docker_options(const Policy& policy, const Parameters& given);

// True when the operator's defaults set `option` (e.g. pids-limit).
bool defaults_set(const Policy& policy, const std::string& option);

void check_privileged(const Policy& policy);

// A docker volume driver a framework names (`what`, for the refusal);
// empty is docker's default, `local`.
void check_volume_driver(const Policy& policy, const std::string& what, const std::string& driver);

// The options of a named volume of the `local` driver (`what` names it, for
// the refusal): none; type=tmpfs with tmpfs's size, inode, mode and owner
// options; or type=none with o=bind and an absolute device (which
// check_host_path then asks about). Anything else mounts what the host's
// kernel or file system gives (proc, another device, nfs, a relative path
// from dockerd's directory) and is refused unless any host path is allowed.
void check_local_volume(const Policy& policy, const std::string& what, const Parameters& options);

// A named volume's owner: the role label the program gives the volumes it
// makes (`owner` empty for one made outside it). Throws, naming the owner
// and the setting, when `role`'s Launch may not use it.
void check_volume_owner(const Policy& policy, const std::string& what, const std::string& owner,
                        const std::string& role);

// True when a component of `path` is "..": joined to a base it could climb out.
bool climbs(const std::string& path);

// A host path a framework names (`what`, for the refusal), `resolved` with
// `..` and symlinks resolved: allowed with any, else only under a prefix and
// never where it is or holds an engine socket.
void check_host_path(const Policy& policy, const std::string& what, const std::string& resolved);

// A volume's host path: `given` as in the Launch, `resolved` its absolute
// path with `..` and symlinks resolved, `sandbox` the resolved sandbox.
// Sandbox-relative paths must stay inside the sandbox, and not be the
// sandbox itself (its pinned logs), unless any host path is allowed;
// absolute ones pass check_host_path.
void check_host_volume(const Policy& policy, const std::string& given, const std::string& resolved,
                       const std::string& sandbox);

// `path` with `..`, `.` and repeated or trailing slashes removed.
std::string normalize(const std::string& path);

}  // namespace dc::policy
