// dc::plan_run, field by field: each Launch field's effect on `docker run`.
#include "plan/run_argv.hpp"

#include <catch2/catch.hpp>

#include "plan/plan_fixtures.hpp"
#include "plan/policy.hpp"
#include "protocol/naming.hpp"

using Catch::Matchers::Contains;
using namespace plan_test;

// ---------------------------------------------------------------- identity

TEST_CASE("the container is named mesos-<slave>.<container>, or mesos-<container>") {
  const dc::RunPlan with_slave = plan(launch());
  CHECK(with_slave.name == "mesos-S1.c1");
  CHECK(value_of(docker_options(with_slave), "--name") == "mesos-S1.c1");

  Launch no_slave = launch();
  no_slave.clear_slave_id();
  const dc::RunPlan without_slave = plan(no_slave);
  CHECK(without_slave.name == "mesos-c1");
  CHECK(value_of(docker_options(without_slave), "--name") == "mesos-c1");
  CHECK(labels_of(without_slave).at(dc::labels::kSlaveId).empty());
}

TEST_CASE("labels tie the container to its agent instance, framework, executor and sandbox") {
  CHECK(labels_of(plan(launch())) == Pairs{
                                         {dc::labels::kContainerId, "c1"},
                                         {dc::labels::kSlaveId, "S1"},
                                         {dc::labels::kWorkDirectory, "/var/lib/mesos"},
                                         {dc::labels::kFrameworkId, "F1"},
                                         {dc::labels::kExecutorId, "exec-1"},
                                         {dc::labels::kSandbox, kSandbox},
                                     });
  // Without MESOS_WORK_DIRECTORY the label is present but empty.
  CHECK(labels_of(plan(launch(), settings(), inputs_without("MESOS_WORK_DIRECTORY")))
            .at(dc::labels::kWorkDirectory)
            .empty());
}

TEST_CASE("invalid container and slave ids are refused before they become names") {
  const std::string id = GENERATE(as<std::string>{}, "", "../etc", ".hidden", "-dash", "a/b", "a b", "a:b",
                                  std::string(129, 'a'));
  Launch bad = launch();
  bad.mutable_container_id()->set_value(id);
  CHECK_THAT(refusal(bad), Contains("invalid container id"));

  Launch bad_slave = launch();
  bad_slave.mutable_slave_id()->set_value(id);
  CHECK_THAT(refusal(bad_slave), Contains("invalid slave id"));
}

TEST_CASE("ids of up to 128 characters of [A-Za-z0-9_.-] are accepted") {
  Launch good = launch();
  good.mutable_container_id()->set_value(std::string(127, 'a') + "9");
  good.mutable_slave_id()->set_value("dce23285-dc9c-40e6-b249-56f6c21562b5-S3");
  CHECK(plan(good).name == "mesos-dce23285-dc9c-40e6-b249-56f6c21562b5-S3." + std::string(127, 'a') + "9");
}

TEST_CASE("a missing or relative sandbox directory is refused") {
  const std::string directory = GENERATE(as<std::string>{}, "", "relative/sandbox", "./sandbox");
  Launch bad = launch();
  bad.set_directory(directory);
  CHECK_THAT(refusal(bad), Contains("absolute directory"));
}

TEST_CASE("a Launch without executor_info is refused") {
  Launch bad = launch();
  bad.clear_executor_info();
  CHECK_THAT(refusal(bad), Contains("no executor_info"));
}

// ------------------------------------------------------------ run and init

TEST_CASE("docker run is detached and the init is the entrypoint") {
  const dc::RunPlan p = plan(launch());
  CHECK(Args(p.args.begin(), p.args.begin() + 2) == Args{"run", "-d"});
  CHECK(value_of(docker_options(p), "--entrypoint") == dc::kInitPath);
  CHECK(value_of(docker_options(p), "-w") == "/mnt/mesos/sandbox");
  // Output goes to the sandbox, the status file to the run directory.
  const Args init = init_args(p);
  CHECK(Args(init.begin(), init.begin() + 6) == Args{"--stdout", "/mnt/mesos/sandbox/stdout", "--stderr",
                                                     "/mnt/mesos/sandbox/stderr", "--status",
                                                     "/mnt/mesos/containerizer/exit"});
  // Health checks and `enter` ask the init, over a socket in the run directory.
  CHECK(value_of(init, "--checks") == "/mnt/mesos/containerizer/checks.sock");
}

TEST_CASE("log rotation gives the init the size in bytes and KEEP; without it, nothing") {
  CHECK_FALSE(has(init_args(plan(launch())), "--log-max-size"));
  dc::Settings s = settings();
  s.log_max_bytes = 10 << 20;
  s.log_keep = 3;
  const Args init = init_args(plan(launch(), s));
  CHECK(value_of(init, "--log-max-size") == "10485760");
  CHECK(value_of(init, "--log-keep") == "3");
  // Rotation applies to what runs in the container, in every task mode.
  CHECK(value_of(init_args(plan(command_task(), s)), "--log-max-size") == "10485760");
  s.task_mode = "override";
  CHECK(value_of(init_args(plan(command_task(), s)), "--log-max-size") == "10485760");
}

TEST_CASE("CONTAINERIZER_LOG_MAX_SIZE takes 10M, 512K, 1G or bytes; 0 or empty: no rotation") {
  const std::pair<const char*, uint64_t> sizes[] = {
      {"", 0}, {"0", 0}, {"1", 1}, {"4096", 4096}, {"512K", 512 << 10}, {"512k", 512 << 10},
      {"10M", 10 << 20}, {"1G", 1ull << 30}, {"4194304G", 1ull << 52}};
  for (const auto& [text, bytes] : sizes) {
    dc::Settings s = settings();
    s.log_max_size = text;
    dc::finalize(s);
    CHECK(s.log_max_bytes == bytes);
  }
  for (const char* bad : {"10X", "-1", "1.5M", "M", "10 M", "10MB", "99999999999999999999", "4294967297G"}) {
    dc::Settings s = settings();
    s.log_max_size = bad;
    INFO(bad);
    CHECK_THROWS_WITH(dc::finalize(s), Contains("CONTAINERIZER_LOG_MAX_SIZE must be a size like 10M"));
  }
  dc::Settings many = settings();
  many.log_keep = 1000001;
  CHECK_THROWS_WITH(dc::finalize(many), Contains("CONTAINERIZER_LOG_KEEP"));
}

// ----------------------------------------------------------------- image

TEST_CASE("launch pulls the image itself, always with force_pull_image; docker run never") {
  CHECK(value_of(options(launch()), "--pull") == "never");
  CHECK_FALSE(plan(launch()).force_pull);
  CHECK_FALSE(plan(launch(container("force_pull_image: false"))).force_pull);
  CHECK(plan(launch(container("force_pull_image: true"))).force_pull);
  const std::string task_forces = "task_info { container { type: DOCKER docker { image: \"x\" force_pull_image: true } } }";
  CHECK(plan(command_task(task_forces)).force_pull);
  CHECK(value_of(options(command_task(task_forces)), "--pull") == "never");
  // CONTAINERIZER_ALWAYS_PULL: every launch pulls, with its own credentials (issue 37).
  dc::Settings always = settings();
  always.always_pull = true;
  CHECK(plan(launch(), always).force_pull);
}

TEST_CASE("select_image takes the first image found, in order") {
  const std::string task_docker = "task_info { container { type: DOCKER docker { image: \"task/docker\" } } } ";
  const std::string task_mesos =
      "task_info { container { type: MESOS mesos { image { type: DOCKER docker { name: \"task/mesos\" } } } } } ";
  const std::string task_appc =
      "task_info { container { type: MESOS mesos { image { type: APPC docker { name: \"task/appc\" } } } } } ";
  const std::string executor_docker = "executor_info { container { type: DOCKER docker { image: \"exec/docker\" } } } ";
  const std::string executor_mesos =
      "executor_info { container { type: MESOS mesos { image { type: DOCKER docker { name: \"exec/mesos\" } } } } } ";
  const std::string task_legacy = "task_info { command { container { image: \"docker:///task/legacy\" } } } ";
  const std::string executor_legacy = "executor_info { command { container { image: \"docker:///exec/legacy\" } } } ";
  const dc::Environment fallback = {{"MESOS_DEFAULT_CONTAINER_IMAGE", "default/image"}};
  auto image = [&](const std::string& extra, const dc::Environment& environment) {
    return dc::select_image(launch(extra), environment);
  };
  const std::string legacies = task_legacy + executor_legacy;

  CHECK(image(task_docker + executor_docker + legacies, fallback) == "task/docker");
  CHECK(image(task_mesos + executor_docker + legacies, fallback) == "task/mesos");
  // An APPC image is no docker image: the next source applies.
  CHECK(image(task_appc + executor_docker + legacies, fallback) == "exec/docker");
  CHECK(image(executor_docker + legacies, fallback) == "exec/docker");
  CHECK(image(executor_mesos + legacies, fallback) == "exec/mesos");
  CHECK(image(legacies, fallback) == "task/legacy");
  CHECK(image(executor_legacy, fallback) == "exec/legacy");
  CHECK(image("", fallback) == "default/image");
  CHECK(image("", {}) == std::nullopt);
  CHECK(image("", {{"MESOS_DEFAULT_CONTAINER_IMAGE", ""}}) == std::nullopt);
}

TEST_CASE("legacy docker:// image names are normalised") {
  auto [legacy, expected] = GENERATE(table<std::string, std::string>({
      {"docker:///busybox:1", "busybox:1"},
      {"docker:///library/busybox:latest", "library/busybox:latest"},
      {"docker://host:5000/x", "host:5000/x"},
      {"busybox", "busybox"},
  }));
  const Launch l = launch("executor_info { command { container { image: \"" + legacy + "\" } } }");
  CHECK(dc::select_image(l, {}) == expected);
  CHECK(plan(l).image == expected);
}

TEST_CASE("the image follows the init as docker run's image argument") {
  const dc::RunPlan p = plan(launch(container("")));
  CHECK(p.image == "busybox:1");
  CHECK(p.args[image_index(p)] == "busybox:1");
  CHECK(plan(launch()).image == "default/image:1");
}

TEST_CASE("without any image the launch is refused, naming --default_container_image") {
  CHECK_THAT(refusal(launch(), settings(), inputs_without("MESOS_DEFAULT_CONTAINER_IMAGE")),
             Contains("--default_container_image"));
}

TEST_CASE("legacy CommandInfo.container.options are refused unless docker parameters are allowed") {
  const std::string where = GENERATE(as<std::string>{}, "task_info", "executor_info");
  const Launch l = launch(where + " { command { container { image: \"docker:///busybox\" options: \"--add-host\" options: \"a:127.0.0.2\" } } }");
  CHECK_THAT(refusal(l), Contains("options"));
  CHECK_THAT(refusal(l), Contains("CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true"));
  dc::Settings allowed = settings();
  allowed.allow_docker_parameters = true;
  CHECK(has(options(l, allowed), "--add-host=a:127.0.0.2"));
  // Capabilities, like every option that reaches beyond the container, need more.
  const Launch cap = launch(where + " { command { container { image: \"docker:///busybox\" options: \"--cap-add\" options: \"SYS_ADMIN\" } } }");
  CHECK_THAT(refusal(cap, allowed), Contains("CONTAINERIZER_ALLOW_PRIVILEGED=true allows it"));
  allowed.allow_privileged = true;
  CHECK(has(options(cap, allowed), "--cap-add=SYS_ADMIN"));
}

// -------------------------------------------------------------- commands

TEST_CASE("is_command_task: a task with a command and no executor of its own") {
  CHECK(dc::is_command_task(command_task()));
  CHECK_FALSE(dc::is_command_task(launch()));
  CHECK_FALSE(dc::is_command_task(command_task("task_info { executor { executor_id { value: \"own\" } } }")));
  CHECK_FALSE(dc::is_command_task(launch("task_info { name: \"no command\" }")));
}

TEST_CASE("shell=true runs the value with /bin/sh -c") {
  CHECK(command_of(plan(launch())) == Args{"--", "/bin/sh", "-c", "./run-executor"});
  // Arguments do not apply to a shell command.
  CHECK(command_of(plan(launch("executor_info { command { arguments: \"ignored\" } }"))) ==
        Args{"--", "/bin/sh", "-c", "./run-executor"});
}

TEST_CASE("shell=false runs the value with arguments as its argv") {
  const Launch with_arguments =
      launch("executor_info { command { shell: false arguments: \"run\" arguments: \"--port=80\" arguments: \"a b\" } }");
  CHECK(command_of(plan(with_arguments)) == Args{"--argv0", "run", "--", "./run-executor", "--port=80", "a b"});

  const Launch without_arguments = launch("executor_info { command { shell: false } }");
  CHECK(command_of(plan(without_arguments)) == Args{"--argv0", "./run-executor", "--", "./run-executor"});
}

TEST_CASE("a command without value runs the image's ENTRYPOINT and CMD") {
  Launch l = launch("executor_info { command { shell: false } }");
  l.mutable_executor_info()->mutable_command()->clear_value();

  dc::RunInputs in = inputs();
  in.image = dc::Image{"sha256:1", {}, {{"/docker-entrypoint.sh"}, {"nginx", "-g", "daemon off;"}}};
  CHECK(command_of(plan(l, settings(), in)) == Args{"--", "/docker-entrypoint.sh", "nginx", "-g", "daemon off;"});

  in.image = dc::Image{"sha256:1", {}, {{}, {"/bin/sh"}}};
  CHECK(command_of(plan(l, settings(), in)) == Args{"--", "/bin/sh"});
}

TEST_CASE("a command without value but with arguments: ENTRYPOINT, CMD, then the arguments") {
  // Issue 3: "no VALUE -> the image's own entrypoint and cmd, with arguments
  // appended" (unlike `docker run IMAGE ARGS...`, where they replace CMD).
  Launch l = launch("executor_info { command { shell: false arguments: \"--debug\" } }");
  l.mutable_executor_info()->mutable_command()->clear_value();
  dc::RunInputs in = inputs();
  in.image = dc::Image{"sha256:1", {}, {{"/docker-entrypoint.sh"}, {"nginx"}}};
  CHECK(command_of(plan(l, settings(), in)) == Args{"--", "/docker-entrypoint.sh", "nginx", "--debug"});
}

TEST_CASE("a command without value, image command or arguments is refused") {
  Launch l = launch("executor_info { command { shell: false } }");
  l.mutable_executor_info()->mutable_command()->clear_value();
  dc::RunInputs in = inputs();
  // Before launch has inspected the image, the plan is only a check.
  CHECK_NOTHROW(plan(l, settings(), in));
  in.image = dc::Image{};
  CHECK_THAT(refusal(l, settings(), in), Contains("no ENTRYPOINT or CMD"));
  // Arguments alone are a command.
  l.mutable_executor_info()->mutable_command()->add_arguments("/bin/true");
  CHECK(command_of(plan(l, settings(), in)) == Args{"--", "/bin/true"});
}

// ------------------------------------------------------------- resources

TEST_CASE("cpu shares are max(2, cpus x 1024), truncated") {
  auto [cpus, shares] = GENERATE(table<double, std::string>({
      {0.001, "2"}, {0.0019, "2"}, {0.5, "512"}, {0.6, "614"}, {1, "1024"}, {2.5, "2560"}, {16, "16384"}}));
  const dc::RunPlan p = plan(launch(executor_resources(scalar("cpus", cpus))));
  CAPTURE(cpus);
  CHECK(value_of(docker_options(p), "--cpu-shares") == shares);
  CHECK(p.cpus == cpus);
}

TEST_CASE("memory is max(32 MiB, mem), with swap and reservation equal to it") {
  auto [mem, bytes] = GENERATE(table<double, uint64_t>({
      {1, 32ull << 20}, {31.9, 32ull << 20}, {32, 32ull << 20}, {128, 128ull << 20}, {160.5, 168296448}, {4096, 4ull << 30}}));
  const dc::RunPlan p = plan(launch(executor_resources(scalar("mem", mem))));
  const Args opts = docker_options(p);
  CAPTURE(mem);
  CHECK(p.mem_bytes == bytes);
  CHECK(value_of(opts, "--memory") == std::to_string(bytes));
  CHECK(value_of(opts, "--memory-swap") == std::to_string(bytes));
  CHECK(value_of(opts, "--memory-reservation") == std::to_string(bytes));
}

TEST_CASE("without cpus or mem no limit is set") {
  const dc::RunPlan p = plan(launch(executor_resources(scalar("disk", 1024) + ports(31000, 32000))));
  const Args opts = docker_options(p);
  CHECK(p.cpus == 0);
  CHECK(p.mem_bytes == 0);
  for (const char* option : {"--cpu-shares", "--cpu-period", "--cpu-quota", "--memory", "--memory-swap"})
    CHECK_FALSE(has(opts, option));
}

TEST_CASE("a CFS quota is set only with cgroups_enable_cfs") {
  const Launch half = launch(executor_resources(scalar("cpus", 0.5)));
  CHECK_FALSE(has(options(half), "--cpu-quota"));
  CHECK_FALSE(has(options(half), "--cpu-period"));

  dc::Settings cfs = settings();
  cfs.cgroups_enable_cfs = true;
  CHECK(value_of(options(half, cfs), "--cpu-period") == "100000");
  CHECK(value_of(options(half, cfs), "--cpu-quota") == "50000");
  // 1 ms is the least quota the kernel takes.
  CHECK(value_of(options(launch(executor_resources(scalar("cpus", 0.001))), cfs), "--cpu-quota") == "1000");
  CHECK_FALSE(has(options(launch(), cfs), "--cpu-quota"));
}

TEST_CASE("a command task is sized from executor_info alone") {
  // The agent already added the task's resources to its command executor's.
  const dc::RunPlan p = plan(command_task());
  CHECK(p.cpus == 0.6);
  CHECK(p.mem_bytes == 160ull << 20);
  CHECK(value_of(docker_options(p), "--cpu-shares") == "614");
}

TEST_CASE("a custom executor's container holds its own and its task's resources") {
  const dc::RunPlan p = plan(launch(executor_resources(scalar("cpus", 0.25) + scalar("mem", 32)) +
                                    "task_info { executor { executor_id { value: \"exec-1\" } } " + scalar("cpus", 1) +
                                    scalar("mem", 256) + "}"));
  CHECK(p.cpus == 1.25);
  CHECK(p.mem_bytes == 288ull << 20);
  CHECK(value_of(docker_options(p), "--cpu-shares") == "1280");
}

// --------------------------------------------------------------- network

TEST_CASE("the network is host unless DockerInfo asks otherwise") {
  auto [fields, network] = GENERATE(table<std::string, std::string>({
      {"", "host"}, {"network: HOST", "host"}, {"network: BRIDGE", "bridge"}, {"network: NONE", "none"}}));
  CHECK(value_of(options(launch(container(fields))), "--net") == network);
  CHECK(value_of(options(launch()), "--net") == "host");
  // A MESOS container has no DockerInfo.
  CHECK(value_of(options(launch("executor_info { container { type: MESOS } }")), "--net") == "host");
}

TEST_CASE("network USER: the one named network of network_infos") {
  CHECK(value_of(options(launch(container("network: USER", "network_infos { name: \"i11-net\" }"))), "--net") ==
        "i11-net");
  CHECK(value_of(options(launch(container("network: USER", "network_infos { name: \"n1\" } hostname: \"web\""))),
                 "--hostname") == "web");
  CHECK_THAT(refusal(launch(container("network: USER"))), Contains("exactly one named network in ContainerInfo.network_infos, got 0"));
  CHECK_THAT(refusal(launch(container("network: USER", "network_infos { name: \"a\" } network_infos { name: \"b\" }"))),
             Contains("got 2: 'a', 'b'"));
  CHECK_THAT(refusal(launch(container("network: USER", "network_infos { groups: \"x\" }"))), Contains("got 1: ''"));
  for (const std::string name : {"host", "-x", "a b", "../x"}) {
    CAPTURE(name);
    CHECK_THAT(refusal(launch(container("network: USER", "network_infos { name: \"" + name + "\" }"))),
               Contains("not a user network name"));
  }
}

TEST_CASE("a hostname needs a network other than host") {
  CHECK_THAT(refusal(launch(container("", "hostname: \"web\""))), Contains("host networking"));
  CHECK(value_of(options(launch(container("network: BRIDGE", "hostname: \"web\""))), "--hostname") == "web");
  CHECK(value_of(options(launch(container("network: NONE", "hostname: \"web\""))), "--hostname") == "web");
  CHECK_FALSE(has(options(launch(container("network: BRIDGE"))), "--hostname"));
}

TEST_CASE("port mappings publish allotted host ports on a bridge") {
  const std::string allotted = executor_resources(ports(31000, 31009));
  auto mapping = [](int host, int container, const std::string& protocol) {
    return "port_mappings { host_port: " + std::to_string(host) + " container_port: " + std::to_string(container) +
           (protocol.empty() ? "" : " protocol: \"" + protocol + "\"") + " } ";
  };
  const Launch l =
      launch(allotted + container("network: BRIDGE " + mapping(31000, 80, "") + mapping(31009, 53, "UDP") +
                                  mapping(31001, 443, "tcp")));
  CHECK(values_of(options(l), "-p") == Args{"31000:80", "31009:53/udp", "31001:443/tcp"});

  SECTION("a host port outside the ports resources is refused") {
    CHECK_THAT(refusal(launch(allotted + container("network: BRIDGE " + mapping(31010, 80, "")))),
               Contains("host port 31010"));
    CHECK_THAT(refusal(launch(container("network: BRIDGE " + mapping(31000, 80, "")))), Contains("31000"));
  }
  SECTION("a custom executor's task may hold the port") {
    const std::string task = "task_info { executor { executor_id { value: \"exec-1\" } } " + ports(8000, 8000) + "}";
    CHECK(values_of(options(launch(task + container("network: BRIDGE " + mapping(8000, 80, "")))), "-p") ==
          Args{"8000:80"});
  }
  SECTION("port mappings need bridge or user networking") {
    const std::string network = GENERATE(as<std::string>{}, "", "network: HOST", "network: NONE");
    CHECK_THAT(refusal(launch(allotted + container(network + " " + mapping(31000, 80, "")))),
               Contains("bridge or user networking"));
    CHECK(values_of(options(launch(allotted + container("network: USER " + mapping(31000, 80, ""),
                                                        "network_infos { name: \"n1\" }"))),
                    "-p") == Args{"31000:80"});
  }
}

TEST_CASE("the plan names its network: host by default") {
  CHECK(plan(launch()).network == "host");
  CHECK(plan(launch()).ports.empty());
  CHECK(plan(launch(container("network: NONE"))).network == "none");
}

TEST_CASE("privileged only when asked and allowed") {
  dc::Settings allowed = settings();
  allowed.allow_privileged = true;
  CHECK(has(options(launch(container("privileged: true")), allowed), "--privileged"));
  CHECK_THAT(refusal(launch(container("privileged: true"))), Contains("CONTAINERIZER_ALLOW_PRIVILEGED=true"));
  CHECK_FALSE(has(options(launch(container("privileged: false"))), "--privileged"));
  CHECK_FALSE(has(options(launch()), "--privileged"));
}

// ------------------------------------------------------------ parameters

dc::Settings parameters_allowed() {
  dc::Settings s = settings();
  s.allow_docker_parameters = true;
  return s;
}

TEST_CASE("docker parameters are refused unless allowed, naming the setting") {
  CHECK_THAT(refusal(launch(container("parameters { key: \"pid\" value: \"host\" }"))),
             Contains("docker parameters are refused (CONTAINERIZER_ALLOW_DOCKER_PARAMETERS=true allows them): pid=host"));
}

TEST_CASE("allowed docker parameters become --key=value, repeated keys in order") {
  const Args opts = options(launch(container("parameters { key: \"shm-size\" value: \"256m\" } "
                                             "parameters { key: \"add-host\" value: \"b:127.0.0.2\" } "
                                             "parameters { key: \"dns\" value: \"10.0.0.1\" } "
                                             "parameters { key: \"add-host\" value: \"a:127.0.0.3\" }")),
                            parameters_allowed());
  Args given;
  for (const auto& arg : opts)
    if (arg.rfind("--shm-size", 0) == 0 || arg.rfind("--add-host", 0) == 0 || arg.rfind("--dns", 0) == 0)
      given.push_back(arg);
  CHECK(given == Args{"--shm-size=256m", "--add-host=b:127.0.0.2", "--dns=10.0.0.1", "--add-host=a:127.0.0.3"});
}

TEST_CASE("framework parameters never override what the program sets (issue 30)") {
  for (const std::string parameter : {"user\" value: \"0", "pids-limit\" value: \"-1", "memory\" value: \"64g",
                                      "label\" value: \"docker-containerizer.sandbox=/etc", "ulimit\" value: \"nproc=-1"}) {
    CAPTURE(parameter);
    CHECK_THAT(refusal(launch(container("parameters { key: \"" + parameter + "\" }")), parameters_allowed()),
               Contains("docker parameter '"));
  }
}

TEST_CASE("parameters the containerizer sets itself are refused even when allowed") {
  const std::string key = GENERATE(as<std::string>{}, "entrypoint", "name", "rm", "detach", "d", "pull",
                                   "interactive", "i", "tty", "t", "attach", "a", "", "-v", "--rm");
  CHECK_THAT(refusal(launch(container("parameters { key: \"" + key + "\" value: \"x\" }")), parameters_allowed()),
             Contains("is not allowed"));
}

TEST_CASE("a privileged parameter needs privileged allowed too") {
  const Launch l = launch(container("parameters { key: \"privileged\" value: \"true\" }"));
  CHECK_THAT(refusal(l, parameters_allowed()), Contains("CONTAINERIZER_ALLOW_PRIVILEGED"));
  dc::Settings both = parameters_allowed();
  both.allow_privileged = true;
  CHECK(has(options(l, both), "--privileged=true"));
}

TEST_CASE("default docker parameters apply to containers without parameters of their own") {
  dc::Settings s = parameters_allowed();
  s.default_docker_parameters = "read-only=true,tmpfs=/tmp,tmpfs=/run";
  const Args defaults = options(launch(container("")), s);
  CHECK(has(defaults, "--read-only=true"));
  CHECK(has(defaults, "--tmpfs=/tmp"));
  CHECK(has(defaults, "--tmpfs=/run"));
  s.allow_docker_parameters = false;
  CHECK(has(options(launch(), s), "--read-only=true"));
  s.allow_docker_parameters = true;
  // A framework's parameter adds to them (issue 37); one that would undo one is dropped, said in a warning.
  const auto p = plan(launch(container("parameters { key: \"shm-size\" value: \"1g\" } "
                                       "parameters { key: \"read-only\" value: \"false\" }")), s);
  CHECK(has(docker_options(p), "--shm-size=1g"));
  CHECK(has(docker_options(p), "--read-only=true"));
  CHECK_FALSE(has(docker_options(p), "--read-only=false"));
  CHECK(has(docker_options(p), "--tmpfs=/tmp"));
  REQUIRE(p.warnings.size() == 1);
  CHECK_THAT(p.warnings[0], Contains("docker parameter 'read-only=false' dropped"));
}

TEST_CASE("every container gets CONTAINERIZER_PIDS_LIMIT, unless the operator's defaults set one (issue 37)") {
  CHECK(value_of(options(launch()), "--pids-limit") == "4096");
  dc::Settings s = settings();
  s.pids_limit = 100;
  CHECK(value_of(options(launch(), s), "--pids-limit") == "100");
  s.pids_limit = 0;
  CHECK_FALSE(has(options(launch(), s), "--pids-limit"));
  s.pids_limit = 100;
  s.default_docker_parameters = "pids-limit=50";
  CHECK_FALSE(has(options(launch(), s), "--pids-limit"));
  CHECK(has(options(launch(), s), "--pids-limit=50"));
}

// ------------------------------------------------------------------ user

TEST_CASE("the user becomes --user uid:gid plus its supplementary groups") {
  dc::RunInputs in = inputs();
  in.user = dc::UserIds{1000, 1000, {1000, 27, 100}};
  const Args opts = docker_options(plan(launch(), settings(), in));
  CHECK(value_of(opts, "--user") == "1000:1000");
  // The primary group is implied by --user.
  CHECK(values_of(opts, "--group-add") == Args{"27", "100"});

  const Args root = options(launch());
  CHECK_FALSE(has(root, "--user"));
  CHECK_FALSE(has(root, "--group-add"));
}

TEST_CASE("user_name: the running command's user, else the Launch's") {
  using dc::TaskMode;
  CHECK(dc::user_name(launch(), TaskMode::executor) == "root");
  CHECK(dc::user_name(launch("executor_info { command { user: \"alice\" } }"), TaskMode::executor) == "alice");
  Launch no_user = launch();
  no_user.clear_user();
  CHECK(dc::user_name(no_user, TaskMode::executor).empty());
  // In override mode the task's command runs in the container.
  const Launch task_user = command_task("task_info { command { user: \"bob\" } }");
  CHECK(dc::user_name(task_user, TaskMode::override) == "bob");
  CHECK(dc::user_name(task_user, TaskMode::executor) == "root");
}

// ---------------------------------------------------------- override mode

TEST_CASE("override mode runs the task's command in the container, the executor on the host") {
  const dc::RunPlan p = plan(command_task(), override_settings());

  CHECK(command_of(p) == Args{"--", "/bin/sh", "-c", "echo task"});
  // Only what the task asked for: no executor variables, no executor port.
  CHECK(environment_of(p) == Pairs{{"TASK_VAR", "from task"},
                                   {"MESOS_SANDBOX", "/mnt/mesos/sandbox"},
                                   {"MESOS_CONTAINER_NAME", "mesos-S1.c1"}});
  CHECK(value_of(docker_options(p), "--cpu-shares") == "614");

  REQUIRE(p.host_executor);
  CHECK(p.host_executor->file == "/usr/libexec/mesos/mesos-executor");
  // mesos-executor parses flags up to `--`; what follows is the override's argv.
  CHECK(p.host_executor->argv == Args{"mesos-executor", "--launcher_dir=/usr/libexec/mesos", "--override", "--",
                                      kSelf, "--state-dir", kStateDir, "await", "c1"});
  dc::Environment expected = agent_environment();
  expected["LIBPROCESS_PORT"] = "0";
  // Its health checks through this program's mesos-health-check (issue 36).
  expected["MESOS_LAUNCHER_DIR"] = kLauncherDir;
  expected["DOCKER_CONTAINERIZER_CONTAINER_ID"] = "c1";
  expected["DOCKER_CONTAINERIZER_STATE_DIR"] = kStateDir;
  CHECK(p.host_executor->environment == expected);
}

TEST_CASE("override mode without executor arguments uses the value as argv[0]") {
  Launch l = command_task();
  l.mutable_executor_info()->mutable_command()->clear_arguments();
  const dc::RunPlan p = plan(l, override_settings());
  REQUIRE(p.host_executor);
  CHECK(p.host_executor->argv.at(0) == "/usr/libexec/mesos/mesos-executor");
  CHECK(p.host_executor->argv.at(1) == "--override");
}

TEST_CASE("override mode runs a shell-command executor through /bin/sh, its words quoted") {
  // 0.28.2 sends the command executor with shell true, 0.20.1 with shell unset
  // (true by default): the value is the path of mesos-executor.
  for (bool unset : {false, true}) {
    Launch l = command_task();
    auto* command = l.mutable_executor_info()->mutable_command();
    command->clear_arguments();
    command->set_shell(true);
    if (unset) command->clear_shell();
    l.mutable_container_id()->set_value("c1");
    dc::Settings s = override_settings();
    s.state_dir = "/var/lib/it's here";
    const dc::RunPlan p = plan(l, s);
    REQUIRE(p.host_executor);
    CHECK(p.host_executor->file == "/bin/sh");
    CHECK(p.host_executor->argv ==
          Args{"sh", "-c",
               std::string("/usr/libexec/mesos/mesos-executor '--override' '--' '") + kSelf +
                   "' '--state-dir' '/var/lib/it'\\''s here' 'await' 'c1'"});
  }
}

TEST_CASE("override mode needs the agent's command executor") {
  Launch l = command_task();
  l.mutable_executor_info()->mutable_command()->clear_value();
  CHECK_THAT(refusal(l, override_settings()), Contains("override mode needs"));
}

TEST_CASE("auto mode: override for a command task without MESOS_AGENT_ENDPOINT, else host") {
  dc::Settings s = settings();
  REQUIRE(s.task_mode == "auto");
  dc::Environment old_agent = agent_environment();
  old_agent.erase("MESOS_AGENT_ENDPOINT");
  CHECK(dc::task_mode(command_task(), s, old_agent) == dc::TaskMode::override);
  CHECK(dc::task_mode(command_task(), s, agent_environment()) == dc::TaskMode::host);
  // A custom executor runs in its container whatever the agent.
  CHECK(dc::task_mode(launch(), s, old_agent) == dc::TaskMode::executor);
  CHECK(dc::task_mode(launch(), override_settings(), old_agent) == dc::TaskMode::executor);
  s.task_mode = "executor";
  CHECK(dc::task_mode(command_task(), s, old_agent) == dc::TaskMode::executor);
  s.task_mode = "host";
  CHECK(dc::task_mode(command_task(), s, old_agent) == dc::TaskMode::host);
  CHECK(dc::task_mode(launch(), s, agent_environment()) == dc::TaskMode::executor);
  CHECK(plan(command_task(), settings(), inputs_without("MESOS_AGENT_ENDPOINT")).host_executor);
}

TEST_CASE("override mode applies to command tasks only") {
  // A custom executor runs in its container as in executor mode.
  const dc::RunPlan custom = plan(launch(), override_settings());
  CHECK_FALSE(custom.host_executor);
  CHECK(command_of(custom) == Args{"--", "/bin/sh", "-c", "./run-executor"});
  CHECK(environment_of(custom).at("LIBPROCESS_PORT") == "0");

  // And executor mode never plans a host executor.
  CHECK_FALSE(plan(command_task(), executor_settings()).host_executor);
}

TEST_CASE("the image's command completes the command that runs in the container") {
  Launch l = command_task();
  l.mutable_task_info()->mutable_command()->clear_value();
  l.mutable_task_info()->mutable_command()->set_shell(false);
  dc::RunInputs in = inputs();
  in.image = dc::Image{"sha256:1", {}, {{}, {"/bin/sh"}}};
  // In override mode the task's command runs in the container.
  CHECK(command_of(plan(l, override_settings(), in)) == Args{"--", "/bin/sh"});
  CHECK(command_of(plan(l, executor_settings(), in)).at(0) == "--argv0");
}

// ---------------------------------------------------------------- labels

TEST_CASE("task and executor labels become namespaced docker labels") {
  const dc::RunPlan p = plan(command_task(
      "task_info { labels { labels { key: \"team\" value: \"web\" } labels { key: \"both\" value: \"task\" } } } "
      "executor_info { labels { labels { key: \"both\" value: \"executor\" } labels { key: \"tier\" value: \"a b=c\" } "
      "labels { key: \"container-id\" value: \"forged\" } } }"));
  const Pairs labels = labels_of(p);
  CHECK(labels.at("docker-containerizer.label.team") == "web");
  CHECK(labels.at("docker-containerizer.label.both") == "task");
  CHECK(labels.at("docker-containerizer.label.tier") == "a b=c");
  // Never the program's own.
  CHECK(labels.at("docker-containerizer.label.container-id") == "forged");
  CHECK(labels.at("docker-containerizer.container-id") == "c1");
  CHECK(p.warnings.empty());
}

TEST_CASE("labels docker would refuse are skipped with a warning") {
  const dc::RunPlan p = plan(launch(
      "executor_info { labels { labels { key: \"a b\" value: \"x\" } labels { key: \"k=v\" value: \"x\" } "
      "labels { key: \"\" value: \"x\" } labels { key: \"ok\" value: \"y\" } } }"));
  const Pairs labels = labels_of(p);
  CHECK(labels.at("docker-containerizer.label.ok") == "y");
  for (const auto& [key, value] : labels) CHECK(value != "x");
  REQUIRE(p.warnings.size() == 3);
  CHECK_THAT(p.warnings[0], Contains("label 'a b' skipped"));
}

// ----------------------------------------------------------------- image

TEST_CASE("the image's registry digest is the plan's; the argv holds neither it nor the id") {
  dc::RunInputs in = inputs();
  in.image = dc::Image{"sha256:aaa", {"other/repo@sha256:000", "127.0.0.1:5000/x/y@sha256:bbb"}, {}};
  const Launch l = launch("executor_info { container { type: DOCKER docker { image: \"127.0.0.1:5000/x/y:1\" } } }");
  const dc::RunPlan pinned = plan(l, settings(), in);
  CHECK(pinned.image_digest == "127.0.0.1:5000/x/y@sha256:bbb");
  // The container's own image is the truth (a launch may run a cached id).
  for (const auto& arg : pinned.args) CHECK(arg.find("sha256:") == std::string::npos);
  CHECK_FALSE(pinned.uses_image_command);
}

TEST_CASE("a command without a value uses the image's own: launch inspects such an image first") {
  dc::RunInputs in = inputs();
  in.image = dc::Image{"sha256:aaa", {}, {{"/entry"}, {"cmd"}}};
  Launch l = launch("executor_info { command { shell: false } }");
  l.mutable_executor_info()->mutable_command()->clear_value();
  CHECK(plan(l, settings(), in).uses_image_command);
}

TEST_CASE("repo_digest: the digest of the repository the image names") {
  const Args digests = {"busybox@sha256:b", "127.0.0.1:5000/x/y@sha256:c"};
  CHECK(dc::repo_digest("busybox", digests) == "busybox@sha256:b");
  CHECK(dc::repo_digest("busybox:1.36", digests) == "busybox@sha256:b");
  CHECK(dc::repo_digest("docker.io/library/busybox:latest", digests) == "busybox@sha256:b");
  CHECK(dc::repo_digest("127.0.0.1:5000/x/y:1", digests) == "127.0.0.1:5000/x/y@sha256:c");
  CHECK(dc::repo_digest("127.0.0.1:5000/x/y", digests) == "127.0.0.1:5000/x/y@sha256:c");
  CHECK(dc::repo_digest("127.0.0.1:5000/x/z:1", digests).empty());
  CHECK(dc::repo_digest("local/image:test", {}).empty());
  CHECK(dc::repo_digest("127.0.0.1:5000/x/y@sha256:d", digests) == "127.0.0.1:5000/x/y@sha256:d");
}

// ------------------------------------------------------------ hostile input

TEST_CASE("image names that docker would read as options or split are refused") {
  for (const std::string image : {"--privileged", "-v", "busybox latest", "busy\\tbox", "busybox\\n"}) {
    CAPTURE(image);
    CHECK_THAT(refusal(launch("executor_info { container { type: DOCKER docker { image: \"" + image + "\" } } }")),
               Contains("invalid image name"));
  }
}

TEST_CASE("a sandbox directory with '..' is refused") {
  Launch bad = launch();
  bad.set_directory("/var/lib/mesos/../../etc");
  CHECK_THAT(refusal(bad), Contains("'..' component"));
}

// -------------------------------------------------------------- host mode

TEST_CASE("host mode runs the task's command in the container, this program's executor on the host") {
  dc::Settings host = settings();
  host.task_mode = "host";
  const dc::RunPlan p = plan(command_task(), host);
  CHECK(command_of(p) == Args{"--", "/bin/sh", "-c", "echo task"});
  CHECK(environment_of(p) == Pairs{{"TASK_VAR", "from task"},
                                   {"MESOS_SANDBOX", "/mnt/mesos/sandbox"},
                                   {"MESOS_CONTAINER_NAME", "mesos-S1.c1"}});
  REQUIRE(p.host_executor);
  CHECK(p.host_executor->file == kSelf);
  CHECK(p.host_executor->argv == Args{kSelf, "--state-dir", kStateDir, "executor", "c1"});
  // The executor environment the agent gave launch, as it is.
  CHECK(p.host_executor->environment == agent_environment());
  // A custom executor still runs in its container.
  CHECK_FALSE(plan(launch(), host).host_executor);
}
