// dc::plan_run's mounts: the sandbox, the run directory and the init, volumes
// (host, persistent, named), global mounts and where host paths resolve.
#include <catch2/catch.hpp>

#include "plan/plan_fixtures.hpp"
#include "plan/policy.hpp"

using Catch::Matchers::Contains;
using namespace plan_test;

TEST_CASE("the sandbox, its log files (pinned), the run directory and the init are mounted") {
  const Args mounts = values_of(options(launch()), "--mount");
  CHECK(has(mounts, "type=bind,source=" + kSandbox + ",target=/mnt/mesos/sandbox"));
  CHECK(has(mounts, "type=bind,source=" + kSandbox + "/stdout,target=/mnt/mesos/sandbox/stdout"));
  CHECK(has(mounts, "type=bind,source=" + kSandbox + "/stderr,target=/mnt/mesos/sandbox/stderr"));
  CHECK(has(mounts, "type=bind,source=" + kRunDir + ",target=/mnt/mesos/containerizer"));
  CHECK(has(mounts, "type=bind,source=" + kInit + ",target=/mnt/mesos/containerizer-init,readonly"));
}

TEST_CASE("a sandbox path with a comma is quoted in its --mount") {
  Launch odd = launch("directory: \"/tmp/a,b/sandbox\"");
  CHECK(has(values_of(options(odd), "--mount"), "type=bind,\"source=/tmp/a,b/sandbox\",target=/mnt/mesos/sandbox"));
}

TEST_CASE("the libexec directory is mounted only when enabled, present and known") {
  const bool mount = GENERATE(true, false);
  const bool exists = GENERATE(true, false);
  const bool known = GENERATE(true, false);
  dc::Settings s = settings();
  s.mount_libexec = mount;
  dc::RunInputs in = known ? inputs() : inputs_without("MESOS_LIBEXEC_DIRECTORY");
  in.libexec_exists = exists;
  const Args mounts = values_of(docker_options(plan(launch(), s, in)), "--mount");
  CAPTURE(mount, exists, known);
  CHECK(has(mounts, "type=bind,source=/usr/libexec/mesos,target=/usr/libexec/mesos,readonly") ==
        (mount && exists && known));
  CHECK(mounts.size() == (mount && exists && known ? 6u : 5u));
}

TEST_CASE("a custom sandbox_directory moves the sandbox everywhere") {
  dc::Settings s = settings();
  s.sandbox_directory = "/sandbox";
  const dc::RunPlan p = plan(launch(), s);
  const Args opts = docker_options(p);
  CHECK(value_of(opts, "-w") == "/sandbox");
  CHECK(has(values_of(opts, "--mount"), "type=bind,source=" + kSandbox + ",target=/sandbox"));
  CHECK(has(values_of(opts, "--mount"), "type=bind,source=" + kSandbox + "/stderr,target=/sandbox/stderr"));
  CHECK(environment_of(p).at("MESOS_SANDBOX") == "/sandbox");
  CHECK(environment_of(p).at("MESOS_DIRECTORY") == "/sandbox");
  CHECK(value_of(init_args(p), "--stdout") == "/sandbox/stdout");
}

// --------------------------------------------------------------- volumes

namespace {

std::string volume(const std::string& container_path, const std::string& host_path, const std::string& mode = "") {
  return "volumes { container_path: \"" + container_path + "\" host_path: \"" + host_path + "\"" +
         (mode.empty() ? "" : " mode: " + mode) + " } ";
}

// Any host path allowed, as in Mesos: these tests are about the argv.
dc::Settings any_host_path() {
  dc::Settings settings = plan_test::settings();
  settings.host_volumes = "any";
  return settings;
}

Args volume_options(const std::string& volumes, const dc::Settings& settings = any_host_path()) {
  return options(launch(container("", volumes)), settings);
}

}  // namespace

TEST_CASE("by default a volume with an absolute host path is refused, naming the path and the setting") {
  // The Launch: the agent's whole filesystem, writable.
  CHECK_THAT(refusal(launch(container("", volume("/host", "/", "RW")))),
             Contains("volume host_path '/' is refused (CONTAINERIZER_HOST_VOLUMES=none; a prefix holding it, or any, "
                      "allows it)"));
  CHECK_THAT(refusal(command_task("task_info { container { type: DOCKER docker { image: \"busybox:1\" } " +
                                  volume("/host", "/srv/data", "RO") + "} }")),
             Contains("volume host_path '/srv/data' is refused"));
  // Sandbox-relative volumes and the operator's global mounts stay.
  dc::Settings s = settings();
  s.global_container_mounts = "/etc/ssl/certs:/etc/ssl/certs:ro";
  CHECK(values_of(options(launch(container("", volume("/cache", "cache"))), s), "-v") ==
        Args{"/etc/ssl/certs:/etc/ssl/certs:ro", kSandbox + "/cache:/cache:rw"});
}

TEST_CASE("volumes with absolute paths become -v with their mode") {
  const Args opts = volume_options(volume("/data", "/srv/data") + volume("/ro", "/srv/ro", "RO") +
                                   volume("/rw", "/srv/rw", "RW"));
  CHECK(values_of(opts, "-v") == Args{"/srv/data:/data:rw", "/srv/ro:/ro:ro", "/srv/rw:/rw:rw"});
}

TEST_CASE("relative volume paths are joined to the sandbox") {
  // A relative container path is inside the mapped sandbox, a relative host
  // path inside the host's sandbox.
  CHECK(values_of(volume_options(volume("cache", "/srv/cache")), "-v") ==
        Args{"/srv/cache:/mnt/mesos/sandbox/cache:rw"});
  CHECK(values_of(volume_options(volume("/shared", "shared", "RO")), "-v") ==
        Args{kSandbox + "/shared:/shared:ro"});
  dc::Settings s = any_host_path();
  s.sandbox_directory = "/sandbox/";
  CHECK(values_of(volume_options(volume("cache", "/srv/cache"), s), "-v") == Args{"/srv/cache:/sandbox/cache:rw"});
}

TEST_CASE("volumes that cannot be mapped are refused") {
  CHECK_THAT(refusal(launch(container("", volume("cache", "shared")))), Contains("both relative"));
  CHECK_THAT(refusal(launch(container("", "volumes { container_path: \"/data\" }"))), Contains("no host_path"));
}

TEST_CASE("a volume without container_path is refused") {
  CHECK_THAT(refusal(launch(container("", "volumes { host_path: \"/srv/data\" }"))), Contains("container_path"));
}

TEST_CASE("a volume path with ':' or ',' becomes a --mount with CSV quoting") {
  const Args mounts = values_of(volume_options(volume("/data", "/srv/a:b") + volume("/ro", "/srv/c:d", "RO") +
                                               volume("/x", "/srv/e,f") + volume("/y", "/srv/say \\\"hi\\\",g")),
                                "--mount");
  CHECK(has(mounts, "type=bind,source=/srv/a:b,target=/data"));
  CHECK(has(mounts, "type=bind,source=/srv/c:d,target=/ro,readonly"));
  CHECK(has(mounts, "type=bind,\"source=/srv/e,f\",target=/x"));
  CHECK(has(mounts, "type=bind,\"source=/srv/say \"\"hi\"\",g\",target=/y"));
  CHECK_FALSE(has(volume_options(volume("/data", "/srv/a:b")), "-v"));
}

TEST_CASE("a volume driver the operator allows is passed on; others are refused") {
  dc::Settings s = settings();
  s.volume_drivers = "local,rexray";
  CHECK(value_of(options(launch(container("volume_driver: \"rexray\"", volume("/data", "vol1"))), s),
                 "--volume-driver") == "rexray");
  CHECK_FALSE(has(options(launch(container(""))), "--volume-driver"));
  CHECK_THAT(refusal(launch(container("volume_driver: \"rexray\""))),
             Contains("DockerInfo.volume_driver: volume driver 'rexray' is refused (CONTAINERIZER_VOLUME_DRIVERS lists "
                      "the drivers allowed: local)"));
}

// ------------------------------------------- persistent and named volumes

namespace {

// A persistent volume's disk resource (role dc-test), as the agent sends it.
std::string persistent(const std::string& id, const std::string& container_path, const std::string& extra = "",
                       const std::string& role = "dc-test") {
  return "resources { name: \"disk\" type: SCALAR scalar { value: 64 } role: \"" + role +
         "\" disk { persistence { id: \"" + id + "\" } volume { container_path: \"" + container_path +
         "\" mode: RW } " + extra + " } } ";
}

std::string named_volume(const std::string& name, const std::string& container_path, const std::string& more = "") {
  return "volumes { container_path: \"" + container_path + "\" mode: RW source { type: DOCKER_VOLUME docker_volume { name: \"" +
         name + "\" " + more + " } } } ";
}

}  // namespace

TEST_CASE("a persistent volume is bound from the agent's work directory under the sandbox") {
  const auto p = plan(command_task("task_info { " + persistent("pv-1", "data") + "} " +
                                   executor_resources(persistent("pv-1", "data"))));
  // The executor holds the task's resources too: one mount.
  CHECK(values_of(docker_options(p), "-v") ==
        Args{"/var/lib/mesos/volumes/roles/dc-test/pv-1:/mnt/mesos/sandbox/data:rw"});
  REQUIRE(p.volumes.size() == 1);
  CHECK_FALSE(p.volumes[0].named);
  CHECK(p.volumes[0].what == "persistent volume 'pv-1' of role 'dc-test'");
}

TEST_CASE("persistent volumes of PATH and MOUNT disks, nested, absolute and read-only") {
  const auto opts = options(launch(executor_resources(
      persistent("pv-2", "deep/er/data", "source { type: PATH path { root: \"/mnt/disk1\" } }") +
      persistent("pv-3", "/srv/db", "source { type: MOUNT mount { root: \"/mnt/disk2\" } }") +
      "resources { name: \"disk\" type: SCALAR scalar { value: 8 } role: \"r\" disk { persistence { id: \"ro\" } "
      "volume { container_path: \"ro\" mode: RO } } }")));
  CHECK(values_of(opts, "-v") == Args{"/mnt/disk1/volumes/roles/dc-test/pv-2:/mnt/mesos/sandbox/deep/er/data:rw",
                                      "/mnt/disk2:/srv/db:rw", "/var/lib/mesos/volumes/roles/r/ro:/mnt/mesos/sandbox/ro:ro"});
}

TEST_CASE("marathon-style persistence ids are plain names too") {
  CHECK(values_of(options(launch(executor_resources(persistent("app#data#0a1b", "data")))), "-v") ==
        Args{"/var/lib/mesos/volumes/roles/dc-test/app#data#0a1b:/mnt/mesos/sandbox/data:rw"});
}

TEST_CASE("bad persistent volumes are refused") {
  CHECK_THAT(refusal(launch(executor_resources(persistent("a/b", "data")))), Contains("invalid persistence id 'a/b'"));
  CHECK_THAT(refusal(launch(executor_resources(persistent("..", "data")))), Contains("invalid persistence id '..'"));
  CHECK_THAT(refusal(launch(executor_resources(persistent("pv", "data", "", "../x")))),
             Contains("invalid role of persistent volume 'pv' '../x'"));
  CHECK_THAT(refusal(launch(executor_resources(persistent("pv", "data", "", "*")))), Contains("has no role"));
  CHECK_THAT(refusal(launch(executor_resources(persistent("pv", "a/../../b")))),
             Contains("container_path 'a/../../b' has a '..' component"));
  CHECK_THAT(refusal(launch(executor_resources(persistent("pv", "data", "source { type: PATH path { root: \"rel\" } }")))),
             Contains("its PATH disk's root 'rel' is not an absolute path"));
  CHECK_THAT(refusal(launch(executor_resources(persistent("pv", "data"))), settings(),
                     inputs_without("MESOS_WORK_DIRECTORY")),
             Contains("MESOS_WORK_DIRECTORY is not set"));
  CHECK_THAT(refusal(launch(executor_resources(persistent("pv", "data") + persistent("other", "./data")))),
             Contains("two volumes on one path: persistent volume 'other' of role 'dc-test' at '/mnt/mesos/sandbox/./data'"));
}

TEST_CASE("a named volume becomes -v NAME:PATH, and --mount type=volume where ':' would split it") {
  const auto p = plan(launch(container("", named_volume("db-data", "/var/lib/db") + named_volume("cache", "c:d"))));
  CHECK(values_of(docker_options(p), "-v") == Args{"db-data:/var/lib/db:rw"});
  CHECK(has(values_of(docker_options(p), "--mount"), "type=volume,source=cache,target=/mnt/mesos/sandbox/c:d"));
  REQUIRE(p.volumes.size() == 2);
  CHECK(p.volumes[0].named);
  CHECK(p.volumes[0].driver.empty());
}

TEST_CASE("a named volume's driver must be allowed; its options are kept for its creation") {
  const std::string flocker = named_volume("v1", "/data", "driver: \"flocker\" driver_options { parameter { key: \"size\" value: \"10G\" } }");
  CHECK_THAT(refusal(launch(container("", flocker))),
             Contains("docker volume 'v1': volume driver 'flocker' is refused (CONTAINERIZER_VOLUME_DRIVERS lists the "
                      "drivers allowed: local)"));
  dc::Settings s = settings();
  s.volume_drivers = "any";
  const auto p = plan(launch(container("", flocker)), s);
  REQUIRE(p.volumes.size() == 1);
  CHECK(p.volumes[0].driver == "flocker");
  CHECK(p.volumes[0].options == std::vector<std::pair<std::string, std::string>>{{"size", "10G"}});
  // DockerInfo.volume_driver is the driver of a named volume that names none.
  s.volume_drivers = "rexray";
  CHECK(plan(launch(container("volume_driver: \"rexray\"", named_volume("v1", "/data"))), s).volumes[0].driver == "rexray");
}

TEST_CASE("a local named volume that binds a host path asks CONTAINERIZER_HOST_VOLUMES") {
  const auto bind = [](const std::string& device) {
    return launch(container("", named_volume("v1", "/data", "driver: \"local\" driver_options { parameter { key: \"o\" value: \"bind\" } "
                                                           "parameter { key: \"device\" value: \"" + device + "\" } }")));
  };
  CHECK_THAT(refusal(bind("/etc")), Contains("docker volume 'v1' (device /etc) is refused (CONTAINERIZER_HOST_VOLUMES=none"));
  CHECK_THAT(refusal(bind("etc")), Contains("docker volume 'v1': the local driver's option 'device=etc' is refused"));
  dc::Settings s = settings();
  s.host_volumes = "/srv";
  CHECK(plan(bind("/srv/x"), s).volumes.size() == 1);
  // tmpfs is no host path.
  CHECK(plan(launch(container("", named_volume("v2", "/t", "driver_options { parameter { key: \"type\" value: \"tmpfs\" } "
                                                         "parameter { key: \"device\" value: \"tmpfs\" } }")))).volumes.size() == 1);
}

TEST_CASE("named volumes belong to the Launch's reserved resources' role, * when none is reserved (issue 30)") {
  // The executor's resources with a ContainerInfo holding a named volume.
  auto with_named = [](const std::string& resources) {
    return launch(executor_resources(resources + "container { type: DOCKER docker { image: \"busybox:1\" } " +
                                     named_volume("v", "/v") + "} "));
  };
  CHECK(plan(with_named("")).role == "*");
  CHECK(plan(with_named(persistent("pv", "data"))).role == "dc-test");
  const std::string web = "resources { name: \"cpus\" type: SCALAR scalar { value: 1 } role: \"web\" } ";
  CHECK(plan(with_named(web)).role == "web");
  CHECK_THAT(refusal(with_named(persistent("pv", "data") + web)), Contains("reserved for two roles, 'dc-test' and 'web'"));
  CHECK(plan(launch(executor_resources(persistent("pv", "data") + web))).role.empty());
}

TEST_CASE("bad named volumes are refused") {
  CHECK_THAT(refusal(launch(container("", named_volume("../etc", "/data")))), Contains("invalid docker volume name '../etc'"));
  CHECK_THAT(refusal(launch(container("", named_volume("-rm", "/data")))), Contains("invalid docker volume name '-rm'"));
  CHECK_THAT(refusal(launch(container("", named_volume("v", "/a/../b")))), Contains("has a '..' component"));
  CHECK_THAT(refusal(launch(container("", "volumes { container_path: \"/d\" host_path: \"x\" source { type: DOCKER_VOLUME "
                                          "docker_volume { name: \"v\" } } }"))),
             Contains("docker volume 'v' has a host_path too"));
  CHECK_THAT(refusal(launch(container("", named_volume("v", "/d", "driver_options { parameter { key: \"a=b\" value: \"c\" } }")))),
             Contains("driver option 'a=b' is not key=value"));
}

TEST_CASE("no volume may take the path of another mount or of the program's own") {
  for (const std::string& path : std::vector<std::string>{"/mnt/mesos/sandbox", "/mnt/mesos/sandbox/", dc::kInitPath,
                                                          "/mnt/mesos/sandbox/stdout", "/mnt/mesos/sandbox/stderr",
                                                          dc::kRunDirPath, "/usr/libexec/mesos"})
    CHECK_THAT(refusal(launch(container("", named_volume("v", path)))), Contains("two volumes on one path"));
  CHECK_THAT(refusal(launch(container("", named_volume("v", "/data") + volume("/data", "cache")))),
             Contains("two volumes on one path: volume 'cache' at '/data'"));
  dc::Settings s = settings();
  s.global_container_mounts = "/etc/ssl/certs:/certs:ro";
  CHECK_THAT(refusal(launch(container("", named_volume("v", "/certs"))), s), Contains("two volumes on one path"));
  // Above them: docker would make their mount points in the volume.
  for (const std::string& path : std::vector<std::string>{"/", "/mnt", "/mnt/mesos/", "/usr"})
    CHECK_THAT(refusal(launch(executor_resources(persistent("pv", path)))),
               Contains("persistent volume 'pv' of role 'dc-test' at '" + path + "' would hold the container's own mount"));
  CHECK(options(launch(container("", named_volume("v", "/mnt/data")))).size() > 0);
}

// ---------------------------------------------------------------- policy

TEST_CASE("global container mounts reach every container") {
  dc::Settings s = settings();
  s.global_container_mounts = "/etc/ssl/certs:/etc/ssl/certs:ro,/srv/a:b:/shared";
  CHECK_THAT(refusal(launch(), s), Contains("CONTAINERIZER_GLOBAL_CONTAINER_MOUNTS"));
  s.global_container_mounts = "/etc/ssl/certs:/etc/ssl/certs:ro,/srv/shared:/shared";
  const Args opts = options(launch(), s);
  CHECK(values_of(opts, "-v") == Args{"/etc/ssl/certs:/etc/ssl/certs:ro", "/srv/shared:/shared:rw"});
}

TEST_CASE("host volumes are checked where they resolve to, and bound there") {
  dc::Settings s = settings();
  s.host_volumes = "/srv";
  dc::RunInputs in = inputs();
  in.resolved_paths = {{"/srv/link", "/etc"}, {"/srv/data", "/srv/data"}, {kSandbox, kSandbox}};
  CHECK(values_of(docker_options(plan(launch(container("", volume("/d", "/srv/data"))), s, in)), "-v") ==
        Args{"/srv/data:/d:rw"});
  CHECK_THAT(refusal(launch(container("", volume("/d", "/srv/link"))), s, in), Contains("(/etc) is outside"));
  // Unresolved paths are normalised lexically.
  CHECK_THAT(refusal(launch(container("", volume("/d", "/srv/../etc"))), s, in), Contains("(/etc) is outside"));
  CHECK_THAT(refusal(launch(container("", volume("/d", "../../x"))), s, in), Contains("leave the sandbox"));
  in.resolved_paths[kSandbox + "/escape"] = "/etc";
  CHECK_THAT(refusal(launch(container("", volume("/d", "escape"))), s, in), Contains("leaves the sandbox"));
  CHECK(values_of(docker_options(plan(launch(container("", volume("/d", "cache/./x"))), s, in)), "-v") ==
        Args{kSandbox + "/cache/x:/d:rw"});
  // Under `any` the path goes to docker as given.
  CHECK(values_of(docker_options(plan(launch(container("", volume("/d", "/srv/link"))), any_host_path(), in)), "-v") ==
        Args{"/srv/link:/d:rw"});
}

TEST_CASE("host_paths: the sandbox, each volume's host path, the engine's sockets") {
  const Args sockets = dc::policy::engine_sockets(settings().docker_global_args(), "");
  Args expected = {kSandbox, "/srv/a", kSandbox + "/b"};
  expected.insert(expected.end(), sockets.begin(), sockets.end());
  CHECK(dc::host_paths(launch(container("", volume("/a", "/srv/a") + volume("/b", "b"))), settings(), {}) == expected);
  expected = {kSandbox};
  expected.insert(expected.end(), sockets.begin(), sockets.end());
  CHECK(dc::host_paths(launch(), settings(), {}) == expected);
  CHECK(dc::host_paths(launch(), settings(), {{"DOCKER_HOST", "unix:///srv/d.sock"}}).back() == "/srv/d.sock");
}

TEST_CASE("a volume that is or holds an engine socket is refused under a prefix, checked where the socket resolves") {
  dc::Settings s = settings();
  s.host_volumes = "/run,/srv";
  dc::RunInputs in = inputs();
  in.environment["DOCKER_HOST"] = "unix:///srv/engine/docker.sock";
  in.resolved_paths = {{"/var/run/docker.sock", "/run/docker.sock"}, {kSandbox, kSandbox}};
  for (const std::string path : {"/run", "/run/docker.sock", "/srv/engine", "/srv"}) {
    CAPTURE(path);
    CHECK_THAT(refusal(launch(container("", volume("/d", path))), s, in), Contains("container engine's socket"));
  }
  CHECK(values_of(docker_options(plan(launch(container("", volume("/d", "/srv/data"))), s, in)), "-v") ==
        Args{"/srv/data:/d:rw"});
  CHECK(values_of(docker_options(plan(launch(container("", volume("/d", "/run"))), any_host_path(), in)), "-v") ==
        Args{"/run:/d:rw"});
}

TEST_CASE("relative volume paths with '..' that would leave the sandbox are refused") {
  CHECK_THAT(refusal(launch(container("", volume("/x", "../../etc")))), Contains("would leave the sandbox"));
  CHECK_THAT(refusal(launch(container("", volume("a/../../b", "/srv")))), Contains("would leave the sandbox"));
  CHECK_THAT(refusal(launch(container("", volume("..", "/srv")))), Contains("would leave the sandbox"));
  // With any, absolute paths go to docker as given, as in Mesos.
  CHECK(values_of(volume_options(volume("/data", "/srv/../srv/data")), "-v") == Args{"/srv/../srv/data:/data:rw"});
  // A name that merely contains two dots is no climb.
  CHECK(values_of(volume_options(volume("/data", "cache..old")), "-v") ==
        Args{kSandbox + "/cache..old:/data:rw"});
}
