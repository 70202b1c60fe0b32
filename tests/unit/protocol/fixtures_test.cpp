// The two Launch frames really sent by agents (PROTOCOL.md), decoded the way
// `launch` decodes its stdin, and the docker run plan of the 1.0.1 one.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/error.hpp"
#include "helpers.hpp"
#include "plan/resources.hpp"
#include "plan/run_argv.hpp"
#include "protocol/framing.hpp"
#include "protocol/messages.hpp"

using Catch::Matchers::Contains;
using mesos::containerizer::Launch;
using namespace dc_test;

namespace {

// Reads the frame from the file as from the agent's pipe, and checks it is
// exactly the whole file: no trailing bytes, nothing short.
Launch read_launch(const std::string& name, off_t file_size) {
  const int fd = ::open(fixture(name).c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  std::string payload;
  CHECK_NOTHROW(payload = dc::framing::read_frame(fd, 64 << 20));
  CHECK(::lseek(fd, 0, SEEK_CUR) == file_size);
  ::close(fd);
  CHECK(payload.size() == static_cast<size_t>(file_size) - 4);
  Launch launch;
  dc::messages::parse(payload, launch);
  return launch;
}

// The agent that sent the Launch; both frames carry checkpoint: false.
void check_agent(const Launch& launch, const std::string& slave_id, const std::string& slave_pid) {
  CHECK(launch.slave_id().value() == slave_id);
  CHECK(launch.slave_pid() == slave_pid);
  CHECK(launch.has_checkpoint());
  CHECK_FALSE(launch.checkpoint());
}

// Name, type and role of a resource, and its scalar value.
void check_scalar(const mesos::Resource& resource, const std::string& name, double value) {
  CHECK(resource.name() == name);
  CHECK(resource.type() == mesos::Value::SCALAR);
  CHECK(resource.scalar().value() == value);
  CHECK(resource.role() == "*");
}

const std::string kSlave020 = "20140526-015006-16777343-55403-62567-0";
const std::string kFramework020 = "20140526-015006-16777343-55403-62567-0000";
const std::string kContainer020 = "435253ab-d246-47be-a350-35420465d868";

const std::string kSlave101 = "dce23285-dc9c-40e6-b249-56f6c21562b5-S3";
const std::string kFramework101 = "dce23285-dc9c-40e6-b249-56f6c21562b5-0004";
const std::string kContainer101 = "739d0e80-66a3-4cf4-98ea-d0fad73c2a29";

dc::RunInputs inputs_with(dc::Environment environment) {
  dc::RunInputs inputs;
  inputs.environment = std::move(environment);
  inputs.run_dir = "/var/lib/mesos/docker-containerizer/containers/x/run";
  inputs.init = "/usr/lib/docker-containerizer/containerizer-init";
  inputs.self = "/usr/bin/docker-containerizer";
  return inputs;
}

}  // namespace

TEST_CASE("the Mesos 0.20 Launch frame decodes to its documented content") {
  const Launch launch = read_launch("launch-mesos-0.20.bin", 580);

  CHECK(launch.container_id().value() == kContainer020);
  CHECK_FALSE(launch.has_task_info());
  CHECK(launch.directory() ==
        "/tmp/ExternalContainerizerTest_Launch_lXUh9f/slaves/" + kSlave020 + "/frameworks/" + kFramework020 +
            "/executors/1/runs/" + kContainer020);
  CHECK(launch.user() == "till");
  check_agent(launch, kSlave020, "slave(1)@127.0.0.1:55403");

  const auto& executor = launch.executor_info();
  CHECK(executor.executor_id().value() == "1");
  CHECK(executor.framework_id().value() == kFramework020);
  CHECK(executor.name() == "Command Executor (Task: 1) (Command: sh -c 'while true ;...')");
  CHECK(executor.source() == "1");
  CHECK_FALSE(executor.has_container());
  // No `shell` on the wire: the default, true, applies.
  CHECK(executor.command().value() == "echo 'No such file or directory'; exit 1");
  CHECK_FALSE(executor.command().has_shell());
  CHECK(executor.command().shell());
  CHECK(executor.command().arguments_size() == 0);

  REQUIRE(executor.resources_size() == 4);
  check_scalar(executor.resources(0), "cpus", 2);
  check_scalar(executor.resources(1), "mem", 1024);
  check_scalar(executor.resources(2), "disk", 1024);
  const auto& ports = executor.resources(3);
  CHECK(ports.name() == "ports");
  CHECK(ports.type() == mesos::Value::RANGES);
  REQUIRE(ports.ranges().range_size() == 1);
  CHECK(ports.ranges().range(0).begin() == 31000);
  CHECK(ports.ranges().range(0).end() == 32000);
}

TEST_CASE("the Mesos 1.0.1 command task Launch frame decodes to what the agent sent") {
  const Launch launch = read_launch("launch-mesos-1.0.1-command-task.bin", 810);

  CHECK(launch.container_id().value() == kContainer101);
  CHECK(launch.directory() == "/var/lib/mesos/slaves/" + kSlave101 + "/frameworks/" + kFramework101 +
                                  "/executors/web-1/runs/" + kContainer101);
  CHECK(launch.user() == "root");
  check_agent(launch, kSlave101, "slave(1)@127.0.0.1:5051");

  const auto& task = launch.task_info();
  CHECK(task.name() == "web-1");
  CHECK(task.task_id().value() == "web-1");
  CHECK(task.slave_id().value() == kSlave101);
  CHECK_FALSE(task.has_executor());
  REQUIRE(task.resources_size() == 2);
  check_scalar(task.resources(0), "cpus", 0.5);
  check_scalar(task.resources(1), "mem", 128);
  CHECK(task.command().value() == "echo hello from task; exit 3");
  CHECK(task.command().has_shell());
  CHECK(task.command().shell());
  REQUIRE(task.command().environment().variables_size() == 1);
  CHECK(task.command().environment().variables(0).name() == "GREETING");
  CHECK(task.command().environment().variables(0).value() == "hi there");
  CHECK(task.container().type() == mesos::ContainerInfo::DOCKER);
  CHECK(task.container().docker().image() == "library/busybox:1.36");
  CHECK_FALSE(task.container().docker().has_network());

  // The agent's command executor, with the task's environment and container
  // copied in and the task's resources plus 0.1 cpus and 32 MiB.
  const auto& executor = launch.executor_info();
  CHECK(executor.executor_id().value() == "web-1");
  CHECK(executor.framework_id().value() == kFramework101);
  CHECK(executor.name() == "Command Executor (Task: web-1) (Command: sh -c 'echo hello f...')");
  CHECK(executor.source() == "web-1");
  CHECK(executor.command().value() == "/usr/libexec/mesos/mesos-executor");
  CHECK(executor.command().has_shell());
  CHECK_FALSE(executor.command().shell());
  CHECK(std::vector<std::string>(executor.command().arguments().begin(), executor.command().arguments().end()) ==
        std::vector<std::string>{"mesos-executor", "--launcher_dir=/usr/libexec/mesos"});
  REQUIRE(executor.command().environment().variables_size() == 1);
  CHECK(executor.command().environment().variables(0).name() == "GREETING");
  CHECK(executor.command().environment().variables(0).value() == "hi there");
  CHECK(executor.container().docker().image() == "library/busybox:1.36");
  REQUIRE(executor.resources_size() == 2);
  check_scalar(executor.resources(0), "cpus", 0.6);
  check_scalar(executor.resources(1), "mem", 160);

  CHECK(dc::is_command_task(launch));
}

TEST_CASE("the 1.0.1 command task frame plans an executor container") {
  const Launch launch = read_launch("launch-mesos-1.0.1-command-task.bin", 810);
  // The 1.0.1 agent gives the v1 executor API's endpoint (auto: host mode).
  const dc::RunInputs inputs =
      inputs_with({{"MESOS_WORK_DIRECTORY", "/var/lib/mesos"}, {"MESOS_AGENT_ENDPOINT", "127.0.0.1:5051"}});
  dc::Settings executor;
  executor.task_mode = "executor";
  const dc::RunPlan plan = dc::plan_run(launch, executor, inputs);
  const dc::RunPlan host = dc::plan_run(launch, dc::Settings{}, inputs);
  REQUIRE(host.host_executor);
  CHECK(host.host_executor->argv.at(3) == "executor");
  const Args options = docker_options(plan);

  CHECK(plan.name == "mesos-" + kSlave101 + "." + kContainer101);
  CHECK(value_of(options, "--name") == plan.name);
  CHECK(plan.image == "library/busybox:1.36");
  // Sized from executor_info alone: 0.6 cpus, 160 MiB (0.6 x 1024 = 614.4).
  CHECK(plan.cpus == 0.6);
  CHECK(value_of(options, "--cpu-shares") == "614");
  CHECK(plan.mem_bytes == 160ull << 20);
  CHECK(value_of(options, "--memory") == std::to_string(160ull << 20));
  CHECK(environment_of(plan).at("GREETING") == "hi there");
  CHECK_FALSE(plan.host_executor);
  // Executor mode: the agent's mesos-executor runs in the container, argv[0]
  // as the agent gave it.
  CHECK(command_of(plan) == Args{"--argv0", "mesos-executor", "--", "/usr/libexec/mesos/mesos-executor",
                                 "--launcher_dir=/usr/libexec/mesos"});
}

// The agents override mode is for send their command executor as a shell
// command: 0.28.2 with shell true, 0.20.1 with shell unset (true).
TEST_CASE("the 0.20.1 and 0.28.2 command task frames run the task in override mode") {
  for (const auto& [file, size, shell_set] :
       {std::tuple{"launch-mesos-0.20.1-command-task.bin", 730, false},
        std::tuple{"launch-mesos-0.28.2-command-task.bin", 723, true}}) {
    INFO(file);
    const Launch launch = read_launch(file, size);
    CHECK(dc::is_command_task(launch));
    const auto& command = launch.executor_info().command();
    CHECK(command.value() == "/usr/libexec/mesos/mesos-executor");
    CHECK(command.has_shell() == shell_set);
    CHECK(command.arguments_size() == 0);
    dc::Settings settings;
    settings.task_mode = "override";
    const dc::RunPlan plan = dc::plan_run(launch, settings, inputs_with({}));
    CHECK(command_of(plan) == Args{"--", "/bin/sh", "-c", "echo real-agent-fail; exit 3"});
    REQUIRE(plan.host_executor);
    CHECK(plan.host_executor->file == "/bin/sh");
    REQUIRE(plan.host_executor->argv.size() == 3);
    CHECK_THAT(plan.host_executor->argv[2],
               Catch::Matchers::StartsWith("/usr/libexec/mesos/mesos-executor '--override' '--' '"));
  }
  // 0.20.1 has no MESOS_AGENT_ENDPOINT: auto picks override.
  const Launch old = read_launch("launch-mesos-0.20.1-command-task.bin", 730);
  CHECK(dc::plan_run(old, dc::Settings{}, inputs_with({})).host_executor);
}

TEST_CASE("the 0.20 frame needs a default image and then runs its command in a shell") {
  const Launch launch = read_launch("launch-mesos-0.20.bin", 580);
  CHECK_THROWS_WITH(dc::plan_run(launch, dc::Settings{}, inputs_with({})), Contains("--default_container_image"));

  const dc::RunPlan plan =
      dc::plan_run(launch, dc::Settings{}, inputs_with({{"MESOS_DEFAULT_CONTAINER_IMAGE", "busybox:1"}}));
  const Args options = docker_options(plan);
  CHECK(plan.name == "mesos-" + kSlave020 + "." + kContainer020);
  CHECK(plan.image == "busybox:1");
  CHECK(value_of(options, "--cpu-shares") == "2048");
  CHECK(value_of(options, "--memory") == std::to_string(1ull << 30));
  CHECK(command_of(plan) == Args{"--", "/bin/sh", "-c", "echo 'No such file or directory'; exit 1"});
}

// Recorded from a 1.0.1 agent with --resources=cpus:4;mem:4096;disk:1024
// (tests/real_agent/record_launch.py): a framework of role dc-test RESERVEd
// 64 MiB of disk, CREATEd the persistent volume pv-1 on it (container_path
// data) and LAUNCHed the writer in one ACCEPT; a second framework of the
// role launched the reader on the volume it was offered.
TEST_CASE("the 1.0.1 persistent volume frames mount the agent's volume directory in every mode") {
  const std::string work = "/tmp/dc22-rec/run.101/agent/work";
  const dc::RunInputs inputs = inputs_with({{"MESOS_WORK_DIRECTORY", work}, {"MESOS_AGENT_ENDPOINT", "127.0.0.1:5051"}});
  for (const auto& [file, size] : {std::pair{"launch-mesos-1.0.1-persistent-volume-writer.bin", 1020},
                                   std::pair{"launch-mesos-1.0.1-persistent-volume-reader.bin", 968}}) {
    INFO(file);
    const Launch launch = read_launch(file, size);
    // The agent puts the volume in the task's resources and in its command executor's.
    const auto& disk = launch.task_info().resources(2);
    CHECK(disk.name() == "disk");
    CHECK(disk.role() == "dc-test");
    CHECK(disk.disk().persistence().id() == "pv-1");
    CHECK(disk.disk().volume().container_path() == "data");
    CHECK(disk.disk().volume().mode() == mesos::Volume::RW);
    CHECK(launch.executor_info().resources(2).disk().persistence().id() == "pv-1");
    for (const char* mode : {"auto", "host", "executor"}) {
      INFO(mode);
      dc::Settings settings;
      settings.task_mode = mode;
      const dc::RunPlan plan = dc::plan_run(launch, settings, inputs);
      // Mounted once, read-write, from where the agent keeps it.
      CHECK(values_of(docker_options(plan), "-v") ==
            Args{work + "/volumes/roles/dc-test/pv-1:/mnt/mesos/sandbox/data:rw"});
      REQUIRE(plan.volumes.size() == 1);
      CHECK(plan.volumes[0].source == work + "/volumes/roles/dc-test/pv-1");
    }
  }
}
