#pragma once
// The plan tests' shared fixtures: a base Launch and its builders, the
// settings and inputs plan_run is given, and the plan's argv as options or
// a refusal (run_argv_test, mounts_test, environment_test).
#include <google/protobuf/text_format.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "base/error.hpp"
#include "codec/text.hpp"
#include "helpers.hpp"
#include "plan/run_argv.hpp"

namespace plan_test {

using mesos::containerizer::Launch;
using namespace dc_test;

inline const std::string kSandbox = "/var/lib/mesos/slaves/S1/frameworks/F1/executors/exec-1/runs/c1";
inline const std::string kRunDir = "/var/lib/mesos/docker-containerizer/containers/c1/run";
inline const std::string kLauncherDir = "/var/lib/mesos/docker-containerizer/containers/c1/launcher";
inline const std::string kInit = "/usr/lib/docker-containerizer/containerizer-init";
inline const std::string kSelf = "/usr/bin/docker-containerizer";
inline const std::string kStateDir = "/var/lib/mesos/docker-containerizer";

// A custom executor with no task, no resources and no image: each test adds
// what it is about.
inline const std::string kBase = R"pb(
  container_id { value: "c1" }
  slave_id { value: "S1" }
  directory: "/var/lib/mesos/slaves/S1/frameworks/F1/executors/exec-1/runs/c1"
  user: "root"
  executor_info {
    executor_id { value: "exec-1" }
    framework_id { value: "F1" }
    command { value: "./run-executor" }
  }
)pb";

// A command task as a 1.0 agent sends it: the task's command, and the agent's
// command executor holding the task's resources + 0.1 cpus + 32 MiB.
inline const std::string kCommandTask = R"pb(
  task_info {
    name: "task-1"
    task_id { value: "task-1" }
    resources { name: "cpus" type: SCALAR scalar { value: 0.5 } }
    resources { name: "mem" type: SCALAR scalar { value: 128 } }
    command {
      value: "echo task"
      environment { variables { name: "TASK_VAR" value: "from task" } }
    }
  }
  executor_info {
    resources { name: "cpus" type: SCALAR scalar { value: 0.6 } }
    resources { name: "mem" type: SCALAR scalar { value: 160 } }
    command {
      value: "/usr/libexec/mesos/mesos-executor"
      shell: false
      arguments: "mesos-executor"
      arguments: "--launcher_dir=/usr/libexec/mesos"
      environment { variables { name: "EXECUTOR_VAR" value: "from executor" } }
    }
  }
)pb";

// kBase with `extra` merged in (as Message::MergeFrom: singular fields are
// replaced, repeated ones appended).
inline Launch launch(const std::string& extra = "") {
  Launch result;
  dc::messages::parse_text(kBase, result);
  INFO(extra);
  REQUIRE(google::protobuf::TextFormat::MergeFromString(extra, &result));
  return result;
}

inline Launch command_task(const std::string& extra = "") { return launch(kCommandTask + extra); }

// The executor's ContainerInfo: a DOCKER one with an image, plus `docker`
// fields and ContainerInfo fields.
inline std::string container(const std::string& docker_fields, const std::string& container_fields = "") {
  return "executor_info { container { type: DOCKER docker { image: \"busybox:1\" " + docker_fields + " } " +
         container_fields + " } }";
}

inline std::string scalar(const std::string& name, double value) {
  std::ostringstream text;
  text << "resources { name: \"" << name << "\" type: SCALAR scalar { value: " << value << " } } ";
  return text.str();
}

inline std::string ports(uint64_t begin, uint64_t end) {
  return "resources { name: \"ports\" type: RANGES ranges { range { begin: " + std::to_string(begin) +
         " end: " + std::to_string(end) + " } } } ";
}

inline std::string executor_resources(const std::string& resources) { return "executor_info { " + resources + "} "; }

inline dc::Settings settings() {
  dc::Settings settings;
  settings.state_dir = kStateDir;
  return settings;
}

// Executor mode named: auto picks host mode for a command task from this agent.
inline dc::Settings executor_settings() {
  dc::Settings settings = plan_test::settings();
  settings.task_mode = "executor";
  return settings;
}

inline dc::Settings override_settings() {
  dc::Settings settings = plan_test::settings();
  settings.task_mode = "override";
  return settings;
}

// The agent's own environment plus the executor variables, as launch sees it.
inline dc::Environment agent_environment() {
  return {
      {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"},
      {"HOME", "/root"},
      {"MESOS_MASTER", "zk://zk1:2181/mesos"},
      {"LIBPROCESS_PORT", "5051"},  // the agent's own port, leaked (PROTOCOL.md)
      {"MESOS_WORK_DIRECTORY", "/var/lib/mesos"},
      {"MESOS_LIBEXEC_DIRECTORY", "/usr/libexec/mesos"},
      {"MESOS_DEFAULT_CONTAINER_IMAGE", "default/image:1"},
      {"MESOS_FRAMEWORK_ID", "F1"},
      {"MESOS_EXECUTOR_ID", "exec-1"},
      {"MESOS_DIRECTORY", kSandbox},
      {"MESOS_SLAVE_ID", "S1"},
      {"MESOS_SLAVE_PID", "slave(1)@10.0.0.1:5051"},
      {"MESOS_AGENT_ENDPOINT", "10.0.0.1:5051"},
      {"MESOS_CHECKPOINT", "1"},
      {"MESOS_RECOVERY_TIMEOUT", "15mins"},
      {"MESOS_SUBSCRIPTION_BACKOFF_MAX", "2secs"},
      {"MESOS_HTTP_COMMAND_EXECUTOR", "0"},
      {"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5secs"},
      {"MESOS_NATIVE_LIBRARY", "/usr/lib/libmesos.so"},
      {"MESOS_NATIVE_JAVA_LIBRARY", "/usr/lib/libmesos.so"},
      {"LIBPROCESS_IP", "10.0.0.1"},
  };
}

inline dc::RunInputs inputs() {
  dc::RunInputs inputs;
  inputs.environment = agent_environment();
  inputs.run_dir = kRunDir;
  inputs.init = kInit;
  inputs.self = kSelf;
  inputs.launcher_dir = kLauncherDir;
  inputs.libexec_exists = true;
  return inputs;
}

inline dc::RunInputs inputs_without(const std::string& variable) {
  dc::RunInputs result = inputs();
  result.environment.erase(variable);
  return result;
}

inline dc::RunPlan plan(const Launch& launch, const dc::Settings& settings = plan_test::settings(),
                 const dc::RunInputs& inputs = plan_test::inputs()) {
  return dc::plan_run(launch, settings, inputs);
}

inline Args options(const Launch& launch, const dc::Settings& settings = plan_test::settings()) {
  return docker_options(plan(launch, settings));
}

// The message of the dc::Error plan_run throws; fails the check (showing
// what was planned instead) and returns "" if none.
inline std::string refusal(const Launch& launch, const dc::Settings& settings = plan_test::settings(),
                    const dc::RunInputs& inputs = plan_test::inputs()) {
  std::string planned;
  try {
    for (const auto& arg : dc::plan_run(launch, settings, inputs).args) planned += " " + arg;
  } catch (const dc::Error& error) {
    return error.what();
  }
  FAIL_CHECK("plan_run accepted what it should refuse: docker" << planned);
  return "";
}

}  // namespace plan_test
