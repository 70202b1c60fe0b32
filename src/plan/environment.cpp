// The container's environment in its run plan (plan/internal.hpp).
#include "base/error.hpp"
#include "plan/internal.hpp"
#include "plan/resources.hpp"

namespace dc {
namespace {

using mesos::CommandInfo;
using mesos::ContainerInfo;
using mesos::containerizer::Launch;

// Variables the agent adds for an executor (PROTOCOL.md). Only these reach
// the container: the agent's own environment (its flags, PATH, HOME) never.
const char* const kExecutorVariables[] = {
    "MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_SLAVE_ID", "MESOS_SLAVE_PID",
    "MESOS_AGENT_ENDPOINT", "MESOS_CHECKPOINT", "MESOS_RECOVERY_TIMEOUT",
    "MESOS_SUBSCRIPTION_BACKOFF_MAX", "MESOS_HTTP_COMMAND_EXECUTOR",
    "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "MESOS_NATIVE_LIBRARY", "MESOS_NATIVE_JAVA_LIBRARY",
    "LIBPROCESS_IP"};

// PORTn variables for at most this many ports: an agent offers 31000-32000
// by default, and a Launch's ranges must not turn into megabytes of argv.
constexpr size_t kMaxPortVariables = 1024;


// An environment name with '=' would set another variable than it says.
void check_variable(const std::string& name) {
  if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos)
    throw Error("invalid environment variable name '" + name.substr(0, 64) + "': empty or with '=' or NUL");
}

void merge(const CommandInfo& command, Environment& into) {
  for (const auto& variable : command.environment().variables()) {
    check_variable(variable.name());
    into[variable.name()] = variable.value();
  }
}

// Marathon's port variables: PORT0...PORTn and PORTS (comma-separated) from
// the task's ports resources (else the executor's, for a Launch without a
// task) in the order given, PORT = PORT0, and PORT_<container port> = the
// host port of each port mapping. A variable the task's (or executor's)
// own environment sets is kept as it is.
void add_port_variables(const Launch& launch, const ContainerInfo* info, Environment& into, RunPlan& plan) {
  const auto& task = launch.task_info().resources();
  auto ports = resources::ports(resources::has_ports(task) ? task : launch.executor_info().resources(),
                                kMaxPortVariables + 1);
  if (ports.size() > kMaxPortVariables) {
    ports.pop_back();
    plan.warnings.push_back("ports beyond the first " + std::to_string(kMaxPortVariables) +
                            " get no PORTn variables");
  }
  std::string all;
  for (size_t i = 0; i < ports.size(); ++i) {
    into.emplace("PORT" + std::to_string(i), std::to_string(ports[i]));
    all += (i ? "," : "") + std::to_string(ports[i]);
  }
  if (!ports.empty()) {
    into.emplace("PORT", std::to_string(ports[0]));
    into.emplace("PORTS", all);
  }
  if (info)
    for (const auto& mapping : info->docker().port_mappings())
      into.emplace("PORT_" + std::to_string(mapping.container_port()), std::to_string(mapping.host_port()));
}

}  // namespace

namespace variables {

Environment container_environment(const Launch& launch, const Settings& settings, TaskMode mode,
                                  const Environment& environment, const ContainerInfo* info, RunPlan& plan) {
  Environment result;
  merge(launch.task_info().command(), result);
  if (mode == TaskMode::executor) {
    merge(launch.executor_info().command(), result);
    for (const char* key : kExecutorVariables) {
      auto found = environment.find(key);
      if (found != environment.end()) result[key] = found->second;
    }
    // The agent's own port leaks into what it passes (PROTOCOL.md).
    result["LIBPROCESS_PORT"] = "0";
    result["MESOS_DIRECTORY"] = settings.sandbox_directory;
  }
  add_port_variables(launch, info, result, plan);
  result["MESOS_SANDBOX"] = settings.sandbox_directory;
  result["MESOS_CONTAINER_NAME"] = plan.name;
  return result;
}


}  // namespace variables
}  // namespace dc
