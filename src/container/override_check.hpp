#pragma once
// Override mode's health checks (issue 36). Mesos's command executor runs on
// the host and starts a task's check as LAUNCHER_DIR/mesos-health-check
// (0.20-0.28 src/launcher/executor.cpp: the directory is MESOS_LAUNCHER_DIR,
// else the executor's own), and that checker runs the check's command as a
// host process, as root. So launch points MESOS_LAUNCHER_DIR at a directory
// of this container's record whose mesos-health-check is this program. Run
// under that name, it rewrites the check so that its command is
// `docker-containerizer enter ID --env=NAME=VALUE... -- COMMAND` (the
// container's confinement, never the host's) and execs the agent's own
// mesos-health-check with it, which keeps talking to the executor. A check
// it cannot rewrite is not run at all.
#include <map>
#include <string>

#include "base/settings.hpp"

namespace dc::override_check {

// The name the executor runs; this program behaves as the wrapper under it.
inline constexpr const char* kCheckerName = "mesos-health-check";

struct Target {
  std::string self;          // this program
  std::string state_dir;
  std::string container_id;
  // For enter on the host: 0.20's checker gives the command only the
  // check's environment, 0.28's its own plus the check's.
  std::map<std::string, std::string> host_environment;
};

// The JSON of a HealthCheck (what Mesos's executor passes in
// --health_check_json) with its command replaced by enter's argv form
// (shell false; the check's environment as --env, none of it on the host).
// Only the fields of 0.20-0.28's command checks are accepted; anything else
// (an HTTP check, an unknown field, a NUL) throws dc::Error saying what.
std::string rewrite(const std::string& json, const Target& target);

// Creates `dir` (root's, 0755) holding mesos-health-check -> `self`, the
// directory launch gives the executor as MESOS_LAUNCHER_DIR.
void link_checker(const std::string& dir, const std::string& self);

// main() under the name mesos-health-check: execs the agent's checker
// (MESOS_LIBEXEC_DIRECTORY/mesos-health-check) with the check rewritten.
// Returns only when the check is not run: 1, after one line on stderr (the
// sandbox's stderr, the executor's).
int run(int argc, char** argv, const CallEnvironment& environment);

}  // namespace dc::override_check
