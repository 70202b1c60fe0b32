#include "plan/run_argv.hpp"

#include <algorithm>
#include <cctype>

#include "base/error.hpp"
#include "plan/internal.hpp"
#include "plan/resources.hpp"
#include "protocol/check_channel.h"
#include "protocol/naming.hpp"

namespace dc {
namespace {

using mesos::CommandInfo;
using mesos::ContainerInfo;
using mesos::containerizer::Launch;

// The CommandInfo whose command runs inside the container.
const CommandInfo& container_command(const Launch& launch, TaskMode mode) {
  if (mode != TaskMode::executor) return launch.task_info().command();
  return launch.executor_info().command();
}

std::optional<std::string> image_of(const ContainerInfo& info) {
  if (info.has_docker() && !info.docker().image().empty()) return info.docker().image();
  if (info.has_mesos() && info.mesos().image().type() == mesos::Image::DOCKER &&
      !info.mesos().image().docker().name().empty())
    return info.mesos().image().docker().name();
  return std::nullopt;
}

// docker:///name:tag -> name:tag; docker://host:port/name -> host:port/name.
std::string legacy_image(const std::string& image) {
  const std::string scheme = "docker://";
  if (image.compare(0, scheme.size(), scheme) != 0) return image;
  std::string rest = image.substr(scheme.size());
  return rest.size() > 0 && rest[0] == '/' ? rest.substr(1) : rest;
}

// Refuses what docker could read as an option or split into two images.
void check_image(const std::string& image) {
  bool bad = image.empty() || image[0] == '-';
  for (unsigned char c : image) bad = bad || c <= ' ' || c == 0x7f;
  if (bad)
    throw Error("invalid image name '" + image.substr(0, 64) + "': empty, a leading '-', spaces or control characters");
}

// exec() would cut an argument at a NUL byte: refuse rather than run
// something else than the Launch says.
void check_no_nul(const std::vector<std::string>& args) {
  for (const auto& arg : args)
    if (arg.find('\0') != std::string::npos)
      throw Error("a value holds a NUL byte: '" + arg.substr(0, arg.find('\0')).substr(0, 64) + "...'");
}

resources::Allotment allotment(const Launch& launch) {
  // A command task's executor already holds the task's resources (+0.1 cpus,
  // +32 MiB); a custom executor's container holds its own plus its task's.
  resources::Allotment total;
  resources::add(launch.executor_info().resources(), total);
  if (!is_command_task(launch)) resources::add(launch.task_info().resources(), total);
  return total;
}

void add_resources(const Launch& launch, const Settings& settings, RunPlan& plan) {
  const auto total = allotment(launch);
  if (total.cpus) {
    plan.cpus = *total.cpus;
    add(plan.args, {"--cpu-shares", std::to_string(resources::cpu_shares(*total.cpus))});
    if (settings.cgroups_enable_cfs)
      add(plan.args, {"--cpu-period", std::to_string(resources::kCfsPeriodUs), "--cpu-quota",
                      std::to_string(resources::cfs_quota_us(*total.cpus))});
  }
  if (total.mem_mib) {
    plan.mem_bytes = resources::memory_bytes(*total.mem_mib);
    const std::string bytes = std::to_string(plan.mem_bytes);
    // Swap equal to memory: the limit is a real limit, as the agent means it.
    add(plan.args, {"--memory", bytes, "--memory-swap", bytes, "--memory-reservation", bytes});
  }
}

// CONTAINERIZER_PIDS_LIMIT bounds a fork bomb to its container; a
// pids-limit among the operator's default parameters takes its place.
void add_pids_limit(const Settings& settings, const policy::Policy& policy, RunPlan& plan) {
  if (settings.pids_limit && !policy::defaults_set(policy, "pids-limit"))
    add(plan.args, {"--pids-limit", std::to_string(settings.pids_limit)});
}

// The executor's and the task's labels (the task's win), under our prefix
// so that they can never replace the program's own; keys docker's CLI
// refuses (whitespace) or splits ('=') are skipped.
void add_framework_labels(const Launch& launch, RunPlan& plan) {
  std::map<std::string, std::string> chosen;
  for (const auto* labels : {&launch.executor_info().labels(), &launch.task_info().labels()})
    for (const auto& label : labels->labels()) {
      const std::string& key = label.key();
      const bool bad = key.empty() || key.find('=') != std::string::npos ||
                       std::any_of(key.begin(), key.end(), [](unsigned char c) { return std::isspace(c) || !c; }) ||
                       label.value().find('\0') != std::string::npos;
      if (bad)
        plan.warnings.push_back("label '" + key.substr(0, 64) + "' skipped: docker refuses such a label key");
      else
        chosen[labels::kFrameworkLabelPrefix + key] = label.value();
    }
  for (const auto& [key, value] : chosen) add(plan.args, {"--label", key + "=" + value});
}

void add_labels(const Launch& launch, const RunInputs& inputs, const std::string& sandbox, RunPlan& plan) {
  const std::pair<const char*, std::string> values[] = {
      {labels::kContainerId, launch.container_id().value()},
      {labels::kSlaveId, launch.slave_id().value()},
      {labels::kWorkDirectory, work_directory(inputs.environment)},
      {labels::kFrameworkId, launch.executor_info().framework_id().value()},
      {labels::kExecutorId, launch.executor_info().executor_id().value()},
      {labels::kSandbox, sandbox},
  };
  for (const auto& [key, value] : values) add(plan.args, {"--label", std::string(key) + "=" + value});
  add_framework_labels(launch, plan);
}

// USER: the one named network of ContainerInfo.network_infos, as Mesos.
std::string user_network(const ContainerInfo& info) {
  const auto& networks = info.network_infos();
  if (networks.size() != 1 || networks[0].name().empty()) {
    std::string given;
    for (const auto& network : networks) given += (given.empty() ? "" : ", ") + ("'" + network.name() + "'");
    throw Error("network USER needs exactly one named network in ContainerInfo.network_infos, got " +
                std::to_string(networks.size()) + (given.empty() ? "" : ": " + given));
  }
  const std::string& name = networks[0].name();
  if (!ids::valid(name) || name == "host" || name == "bridge" || name == "none")
    throw Error("network USER: '" + name.substr(0, 64) + "' is not a user network name");
  return name;
}

std::string network_of(const ContainerInfo* info) {
  if (!info || !info->has_docker()) return "host";
  switch (info->docker().network()) {
    case ContainerInfo::DockerInfo::BRIDGE: return "bridge";
    case ContainerInfo::DockerInfo::NONE: return "none";
    case ContainerInfo::DockerInfo::USER: return user_network(*info);
    default: return "host";
  }
}

void add_network(const Launch& launch, const ContainerInfo* info, const policy::Policy& policy, RunPlan& plan) {
  const std::string network = network_of(info);
  plan.network = network;
  add(plan.args, {"--net", network});
  if (!info) return;
  if (!info->hostname().empty()) {
    if (network == "host") throw Error("cannot set hostname '" + info->hostname() + "' with host networking");
    add(plan.args, {"--hostname", info->hostname()});
  }
  for (const auto& mapping : info->docker().port_mappings()) {
    if (network == "host" || network == "none")
      throw Error("port mappings need bridge or user networking, not " + network);
    const uint32_t host_port = mapping.host_port();
    if (!resources::has_port(launch.executor_info().resources(), host_port) &&
        !resources::has_port(launch.task_info().resources(), host_port))
      throw Error("host port " + std::to_string(host_port) + " is not in the container's port resources");
    std::string protocol = mapping.protocol();
    std::transform(protocol.begin(), protocol.end(), protocol.begin(), ::tolower);
    add(plan.args, {"-p", std::to_string(host_port) + ":" + std::to_string(mapping.container_port()) +
                              (protocol.empty() ? "" : "/" + protocol)});
    plan.ports.push_back(std::to_string(host_port) + "->" + std::to_string(mapping.container_port()) + "/" +
                         (protocol.empty() ? "tcp" : protocol));
  }
  if (info->docker().privileged()) {
    policy::check_privileged(policy);
    add(plan.args, {"--privileged"});
  }
}

// The operator's default parameters, then the framework's: its
// DockerInfo.parameters and legacy options, as the policy allows them.
void add_parameters(const Launch& launch, const ContainerInfo* info, const policy::Policy& policy, RunPlan& plan) {
  auto given = policy::framework_parameters(
      policy, info ? info->docker().parameters() : ContainerInfo::DockerInfo::default_instance().parameters());
  for (const auto* command : {&launch.task_info().command(), &launch.executor_info().command()}) {
    const auto legacy = policy::legacy_parameters(policy, command->container().options());
    given.insert(given.end(), legacy.begin(), legacy.end());
  }
  const auto options = policy::docker_options(policy, given);
  plan.args.insert(plan.args.end(), options.args.begin(), options.args.end());
  plan.warnings.insert(plan.warnings.end(), options.warnings.begin(), options.warnings.end());
}

void add_user(const RunInputs& inputs, RunPlan& plan) {
  if (!inputs.user) return;
  add(plan.args, {"--user", std::to_string(inputs.user->uid) + ":" + std::to_string(inputs.user->gid)});
  for (uint32_t group : inputs.user->groups)
    if (group != inputs.user->gid) add(plan.args, {"--group-add", std::to_string(group)});
}

// The argv the init executes: shell -> /bin/sh -c VALUE; otherwise VALUE with
// `arguments` as its argv (arguments[0] is argv[0]); no VALUE -> the image's
// ENTRYPOINT and CMD with `arguments` appended.
std::vector<std::string> init_command(const CommandInfo& command, const RunInputs& inputs,
                                      const std::string& image) {
  if (command.has_value() && command.shell()) return {"--", "/bin/sh", "-c", command.value()};
  std::vector<std::string> args(command.arguments().begin(), command.arguments().end());
  if (command.has_value()) {
    std::vector<std::string> result = {"--argv0", args.empty() ? command.value() : args[0], "--",
                                       command.value()};
    if (!args.empty()) result.insert(result.end(), args.begin() + 1, args.end());
    return result;
  }
  std::vector<std::string> result = {"--"};
  if (inputs.image) {
    const ImageCommand& own = inputs.image->command;
    result.insert(result.end(), own.entrypoint.begin(), own.entrypoint.end());
    result.insert(result.end(), own.cmd.begin(), own.cmd.end());
  }
  result.insert(result.end(), args.begin(), args.end());
  // Before the image is known, plan_run only checks the rest.
  if (result.size() == 1 && inputs.image)
    throw Error("the command has no value and image '" + image + "' has no ENTRYPOINT or CMD");
  return result;
}

// One word for /bin/sh: single-quoted, so nothing in it is shell code.
std::string shell_quoted(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The agent's command executor comes in two shapes: the path of
// mesos-executor as a shell command (0.28: shell true; 0.20: shell unset,
// which means true), or as an executable with argv (shell false). It parses
// its flags up to `--` and keeps the rest as the override's argv.
HostExecutor host_executor(const Launch& launch, const Settings& settings, const RunInputs& inputs) {
  const CommandInfo& command = launch.executor_info().command();
  if (!command.has_value() || command.value().empty())
    throw Error("override mode needs the agent's command executor (an executor command with a value)");
  const std::vector<std::string> words = {"--override", "--", inputs.self, "--state-dir", settings.state_dir,
                                          "await", launch.container_id().value()};
  HostExecutor executor;
  if (command.shell()) {
    // As the agent runs a shell command: sh -c VALUE, the words appended quoted.
    std::string script = command.value();
    for (const auto& word : words) script += " " + shell_quoted(word);
    executor.file = "/bin/sh";
    executor.argv = {"sh", "-c", script};
  } else {
    executor.file = command.value();
    executor.argv.assign(command.arguments().begin(), command.arguments().end());
    if (executor.argv.empty()) executor.argv.push_back(command.value());
    executor.argv.insert(executor.argv.end(), words.begin(), words.end());
  }
  executor.environment = inputs.environment;
  executor.environment["LIBPROCESS_PORT"] = "0";
  // Its health checks through our mesos-health-check, into the container.
  executor.environment["MESOS_LAUNCHER_DIR"] = inputs.launcher_dir;
  executor.environment[override_check::kContainerVariable] = launch.container_id().value();
  executor.environment[override_check::kStateDirVariable] = settings.state_dir;
  return executor;
}

// Host mode: this program's own executor (src/executor/), in the executor
// environment the agent gave launch.
HostExecutor own_executor(const Launch& launch, const Settings& settings, const RunInputs& inputs) {
  return {inputs.self,
          {inputs.self, "--state-dir", settings.state_dir, "executor", launch.container_id().value()},
          inputs.environment};
}

}  // namespace

const ContainerInfo* container_info(const Launch& launch) {
  if (launch.task_info().has_container()) return &launch.task_info().container();
  if (launch.executor_info().has_container()) return &launch.executor_info().container();
  return nullptr;
}

bool is_command_task(const Launch& launch) {
  return launch.has_task_info() && launch.task_info().has_command() && !launch.task_info().has_executor();
}

std::optional<std::string> select_image(const Launch& launch, const Environment& environment) {
  for (const auto* info : {launch.task_info().has_container() ? &launch.task_info().container() : nullptr,
                           launch.executor_info().has_container() ? &launch.executor_info().container() : nullptr})
    if (info)
      if (auto image = image_of(*info)) return image;
  for (const auto* command : {&launch.task_info().command(), &launch.executor_info().command()})
    if (auto image = legacy_image(command->container().image()); !image.empty()) return image;
  auto fallback = environment.find("MESOS_DEFAULT_CONTAINER_IMAGE");
  if (fallback != environment.end() && !fallback->second.empty()) return fallback->second;
  return std::nullopt;
}

TaskMode task_mode(const Launch& launch, const Settings& settings, const Environment& environment) {
  if (!is_command_task(launch) || settings.task_mode == "executor") return TaskMode::executor;
  if (settings.task_mode == "override") return TaskMode::override;
  if (settings.task_mode == "host") return TaskMode::host;
  return environment.count("MESOS_AGENT_ENDPOINT") ? TaskMode::host : TaskMode::override;
}

std::string user_name(const Launch& launch, TaskMode mode) {
  const CommandInfo& command = container_command(launch, mode);
  return command.has_user() ? command.user() : launch.user();
}

std::string repo_digest(const std::string& image, const std::vector<std::string>& repo_digests) {
  // docker.io/library/busybox:1 and library/busybox are busybox, as docker lists them.
  auto repository = [](std::string name) {
    name = name.substr(0, name.find('@'));
    const auto colon = name.rfind(':');
    if (colon != std::string::npos && name.find('/', colon) == std::string::npos) name.erase(colon);
    for (const char* implied : {"docker.io/", "index.docker.io/", "library/"})
      if (name.rfind(implied, 0) == 0) name.erase(0, std::string(implied).size());
    return name;
  };
  const auto at = image.find('@');
  if (at != std::string::npos) return repository(image) + image.substr(at);
  for (const auto& digest : repo_digests)
    if (digest.find('@') != std::string::npos && repository(digest) == repository(image)) return digest;
  return "";
}

RunPlan plan_run(const Launch& launch, const Settings& settings, const RunInputs& inputs) {
  RunPlan plan;
  const std::string& id = launch.container_id().value();
  ids::validate("container id", id);
  if (launch.has_slave_id()) ids::validate("slave id", launch.slave_id().value());
  if (!launch.has_executor_info()) throw Error("Launch has no executor_info");
  const std::string& sandbox = launch.directory();
  if (sandbox.empty() || sandbox[0] != '/') throw Error("Launch has no absolute directory (the sandbox)");
  if (policy::climbs(sandbox)) throw Error("sandbox directory '" + sandbox + "' has a '..' component");
  policy::Policy policy = policy::from(settings);
  for (const auto& socket : engine_sockets(settings, inputs.environment))
    policy.engine_sockets.push_back(mounts::resolved(inputs, socket));
  auto image = select_image(launch, inputs.environment);
  if (!image)
    throw Error("no image: the Launch names none and MESOS_DEFAULT_CONTAINER_IMAGE is unset "
                "(start the agent with --default_container_image)");
  check_image(*image);
  plan.image = *image;
  plan.name = ids::container_name(launch.slave_id().value(), id);
  const TaskMode mode = task_mode(launch, settings, inputs.environment);
  const ContainerInfo* info = container_info(launch);
  plan.force_pull = settings.always_pull || (info && info->docker().force_pull_image());
  if (inputs.image) plan.image_digest = repo_digest(plan.image, inputs.image->repo_digests);

  // Launch pulls the image itself (credentials, progress, its digest).
  add(plan.args, {"run", "-d", "--pull", "never", "--name", plan.name});
  add_labels(launch, inputs, sandbox, plan);
  add_user(inputs, plan);
  add_resources(launch, settings, plan);
  add_pids_limit(settings, policy, plan);
  add_network(launch, info, policy, plan);
  mounts::add_all(launch, info, sandbox, settings, policy, inputs, plan);
  add_parameters(launch, info, policy, plan);
  add(plan.args, {"-w", settings.sandbox_directory});
  for (const auto& [key, value] :
       variables::container_environment(launch, settings, mode, inputs.environment, info, plan))
    add(plan.args, {"-e", key + "=" + value});
  add(plan.args, {"--entrypoint", kInitPath, plan.image});
  add(plan.args, {"--stdout", settings.sandbox_directory + "/stdout", "--stderr",
                  settings.sandbox_directory + "/stderr", "--status", kRunDirPath + "/exit"});
  // Health checks and `enter` go to the init (src/container/enter.hpp).
  add(plan.args, {"--checks", kRunDirPath + "/" + CHECK_CHANNEL_NAME});
  if (settings.log_max_bytes)
    add(plan.args, {"--log-max-size", std::to_string(settings.log_max_bytes), "--log-keep",
                    std::to_string(settings.log_keep)});
  const CommandInfo& own = container_command(launch, mode);
  plan.uses_image_command = !own.has_value();
  auto command = init_command(own, inputs, plan.image);
  plan.args.insert(plan.args.end(), command.begin(), command.end());
  if (mode == TaskMode::override) plan.host_executor = host_executor(launch, settings, inputs);
  if (mode == TaskMode::host) plan.host_executor = own_executor(launch, settings, inputs);
  check_no_nul(plan.args);
  if (plan.host_executor) check_no_nul(plan.host_executor->argv);
  return plan;
}

}  // namespace dc
