// The command line of `launch-container --master` (dc::framework::parse) and
// the task's CommandInfo and ContainerInfo it makes.
#include "framework/options.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "base/error.hpp"

using Catch::Matchers::Contains;
using dc::framework::Options;

namespace {

Options parse(std::vector<const char*> args) {
  args.insert(args.begin(), "launch-container");
  bool help = false;
  Options o = dc::framework::parse(static_cast<int>(args.size()), args.data(), help);
  CHECK_FALSE(help);
  return o;
}

std::string refusal(std::vector<const char*> args) {
  try {
    parse(std::move(args));
  } catch (const dc::Error& e) {
    return e.what();
  }
  FAIL("accepted");
  return "";
}

}  // namespace

TEST_CASE("options come first, then the command after -- or at the first plain word") {
  Options o = parse({"--master", "127.0.0.1:5050", "--image", "busybox", "--cpus", "0.25", "--mem=64", "--",
                     "/bin/echo", "--not-an-option"});
  CHECK(o.master == "127.0.0.1:5050");
  CHECK(o.image == "busybox");
  CHECK(o.cpus == 0.25);
  CHECK(o.mem == 64);
  CHECK(o.command == std::vector<std::string>{"/bin/echo", "--not-an-option"});

  o = parse({"--master", "m:5050", "--image", "busybox", "echo", "-n", "hi"});
  CHECK(o.command == std::vector<std::string>{"echo", "-n", "hi"});
  CHECK_THAT(o.id, Contains("launch-"));
  CHECK(o.role == "*");
  CHECK(o.timeout == 60);
}

TEST_CASE("help is recognised without checking anything else") {
  const char* args[] = {"launch-container", "--help"};
  bool help = false;
  dc::framework::parse(2, args, help);
  CHECK(help);
}

TEST_CASE("bad options are refused with one line naming them") {
  CHECK_THAT(refusal({"--image", "i", "true"}), Contains("--master"));
  CHECK_THAT(refusal({"--master", "m", "--image", "i", "true"}), Contains("HOST:PORT"));
  CHECK_THAT(refusal({"--master", "m:1", "true"}), Contains("--image"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i"}), Contains("COMMAND"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--cpus", "0", "true"}), Contains("--cpus"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--network", "wifi", "true"}), Contains("wifi"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--volume", "/a", "true"}), Contains("/a"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--env", "NOVALUE", "true"}), Contains("NOVALUE"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--uri", "http://x/y,unzip", "true"}), Contains("unzip"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--id", "../x", "true"}), Contains("task id"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--secret", "s", "true"}), Contains("--principal"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--frobnicate", "1", "true"}), Contains("frobnicate"));
}

TEST_CASE("one command word runs through the shell, several as an argv") {
  Options o = parse({"--master", "m:1", "--image", "i", "echo $HOME"});
  mesos::CommandInfo c = dc::framework::command_info(o);
  CHECK(c.shell());
  CHECK(c.value() == "echo $HOME");
  CHECK(c.arguments_size() == 0);

  o = parse({"--master", "m:1", "--image", "i", "/bin/echo", "two words"});
  c = dc::framework::command_info(o);
  CHECK_FALSE(c.shell());
  CHECK(c.value() == "/bin/echo");
  REQUIRE(c.arguments_size() == 2);  // argv[0] included, as Mesos runs it
  CHECK(c.arguments(1) == "two words");
}

TEST_CASE("environment, uris and user go into the CommandInfo") {
  Options o = parse({"--master", "m:1", "--image", "i", "--env", "A=1=2", "--env", "B=", "--uri",
                     "http://h/x.tgz", "--uri", "http://h/run.sh,extract=false,executable,cache", "--user",
                     "nobody", "true"});
  const mesos::CommandInfo c = dc::framework::command_info(o);
  REQUIRE(c.environment().variables_size() == 2);
  CHECK(c.environment().variables(0).name() == "A");
  CHECK(c.environment().variables(0).value() == "1=2");
  CHECK(c.environment().variables(1).value() == "");
  REQUIRE(c.uris_size() == 2);
  CHECK(c.uris(0).value() == "http://h/x.tgz");
  CHECK(c.uris(0).extract());
  CHECK_FALSE(c.uris(0).executable());
  CHECK_FALSE(c.uris(1).extract());
  CHECK(c.uris(1).executable());
  CHECK(c.uris(1).cache());
  CHECK(c.user() == "nobody");
}

TEST_CASE("--health-cmd makes a shell health check; its options the schedule") {
  CHECK_FALSE(dc::framework::health_check(parse({"--master", "m:5050", "--image", "i", "true"})));
  auto check = dc::framework::health_check(parse({"--master", "m:5050", "--image", "i", "--health-cmd", "[ -f ready ]", "true"}));
  REQUIRE(check);
  CHECK(check->command().value() == "[ -f ready ]");
  CHECK(check->command().shell());
  CHECK(check->delay_seconds() == 15);
  CHECK(check->interval_seconds() == 10);
  CHECK(check->timeout_seconds() == 20);
  CHECK(check->consecutive_failures() == 3);
  CHECK(check->grace_period_seconds() == 10);
  check = dc::framework::health_check(parse({"--master", "m:5050", "--image", "i", "--health-cmd", "true",
                                             "--health-delay", "0", "--health-interval", "2", "--health-timeout",
                                             "1.5", "--health-retries", "5", "--health-grace", "30", "true"}));
  CHECK(check->delay_seconds() == 0);
  CHECK(check->interval_seconds() == 2);
  CHECK(check->timeout_seconds() == 1.5);
  CHECK(check->consecutive_failures() == 5);
  CHECK(check->grace_period_seconds() == 30);
  CHECK_THAT(refusal({"--master", "m:5050", "--image", "i", "--health-interval", "-1", "true"}),
             Contains("must not be negative"));
}

TEST_CASE("image, network and volumes go into a DOCKER ContainerInfo") {
  Options o = parse({"--master", "m:1", "--image", "busybox:1", "--network", "BRIDGE", "--volume", "/a:/b",
                     "--volume", "/c:/d:ro", "true"});
  const mesos::ContainerInfo c = dc::framework::container_info(o);
  CHECK(c.type() == mesos::ContainerInfo::DOCKER);
  CHECK(c.docker().image() == "busybox:1");
  CHECK(c.docker().network() == mesos::ContainerInfo::DockerInfo::BRIDGE);
  REQUIRE(c.volumes_size() == 2);
  CHECK(c.volumes(0).host_path() == "/a");
  CHECK(c.volumes(0).container_path() == "/b");
  CHECK(c.volumes(0).mode() == mesos::Volume::RW);
  CHECK(c.volumes(1).mode() == mesos::Volume::RO);
}

namespace {

// MESOS_DEFAULT_CONTAINER_IMAGE (or another variable) for one scope.
struct Env {
  Env(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~Env() { ::unsetenv(name_); }
  const char* name_;
};

}  // namespace

TEST_CASE("without --image, several words are IMAGE COMMAND... (the original README's form)") {
  Options o = parse({"--master=127.0.0.1:5050", "ubuntu:13.10", "echo before && sleep 5 && echo after"});
  CHECK(o.image == "ubuntu:13.10");
  CHECK(o.command == std::vector<std::string>{"echo before && sleep 5 && echo after"});
  CHECK(dc::framework::command_info(o).shell());

  o = parse({"--master", "m:1", "registry.local:5000/team/app@sha256:0a", "/bin/echo", "hi"});
  CHECK(o.image == "registry.local:5000/team/app@sha256:0a");
  CHECK(o.command == std::vector<std::string>{"/bin/echo", "hi"});
}

TEST_CASE("the seed form against the local form's reading of the same words") {
  Env image("MESOS_DEFAULT_CONTAINER_IMAGE", "busybox:default");
  // With --image, or after --, every word is the command, as in the local form.
  Options o = parse({"--master", "m:1", "--image", "alpine", "echo", "hi"});
  CHECK(o.image == "alpine");
  CHECK(o.command == std::vector<std::string>{"echo", "hi"});
  o = parse({"--master", "m:1", "--", "echo", "hi"});
  CHECK(o.image == "busybox:default");
  CHECK(o.command == std::vector<std::string>{"echo", "hi"});
  // One word is the command; the image is the default.
  o = parse({"--master", "m:1", "echo hi"});
  CHECK(o.image == "busybox:default");
  CHECK(o.command == std::vector<std::string>{"echo hi"});
  // Several words without --image or --: the first is the image, even with a default.
  o = parse({"--master", "m:1", "echo", "hi"});
  CHECK(o.image == "echo");
  CHECK(o.command == std::vector<std::string>{"hi"});
  // A local-form command line that cannot start with an image is refused, not run as one.
  CHECK_THAT(refusal({"--master", "m:1", "/bin/sh", "-c", "exit 3"}), Contains("'/bin/sh' is not an image"));
  CHECK_THAT(refusal({"--master", "m:1", "echo hi", "there"}), Contains("after --"));
}

TEST_CASE("--master takes HOST:PORT lists, zk:// and file:// URLs") {
  CHECK(parse({"--master", "a:5050,b:5050", "--image", "i", "true"}).master == "a:5050,b:5050");
  CHECK(parse({"--master", "zk://u:p@z1:2181,z2:2181/mesos", "--image", "i", "true"}).master ==
        "zk://u:p@z1:2181,z2:2181/mesos");
  CHECK(parse({"--master", "file:///etc/mesos/zk", "--image", "i", "true"}).master == "file:///etc/mesos/zk");
  CHECK_THAT(refusal({"--master", "zk://z1:2181", "--image", "i", "true"}), Contains("path"));
  CHECK_THAT(refusal({"--master", "a:5050,,b:5050", "--image", "i", "true"}), Contains("HOST:PORT[,HOST:PORT...]"));
  CHECK_THAT(refusal({"--master", "a:5050/api", "--image", "i", "true"}), Contains("HOST:PORT"));
}

TEST_CASE("the secret: --secret-file, $DEFAULT_SECRET and $DEFAULT_PRINCIPAL; --secret warns") {
  const std::string file = "/tmp/dc-options-test-secret-" + std::to_string(::getpid());
  std::ofstream(file) << "s3cret\nignored\n";
  Options o = parse({"--master", "m:1", "--image", "i", "--principal", "ops", "--secret-file", file.c_str(), "true"});
  CHECK(o.secret == "s3cret");
  CHECK(o.warnings.empty());
  {
    Env principal("DEFAULT_PRINCIPAL", "env-ops");
    Env secret("DEFAULT_SECRET", "env-secret");
    o = parse({"--master", "m:1", "--image", "i", "true"});
    CHECK(o.principal == "env-ops");
    CHECK(o.secret == "env-secret");
    o = parse({"--master", "m:1", "--image", "i", "--principal", "flag-ops", "--secret-file", file.c_str(), "true"});
    CHECK(o.principal == "flag-ops");
    CHECK(o.secret == "s3cret");
  }
  o = parse({"--master", "m:1", "--image", "i", "--principal", "ops", "--secret", "visible", "true"});
  CHECK(o.secret == "visible");
  REQUIRE(o.warnings.size() == 1);
  CHECK_THAT(o.warnings[0], Contains("ps"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--principal", "p", "--secret-file", "/nonexistent/s", "true"}),
             Contains("/nonexistent/s"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--principal", "p", "--secret", "a", "--secret-file",
                      file.c_str(), "true"}),
             Contains("give one"));
  std::remove(file.c_str());
}

TEST_CASE("--volume persistent: needs a role and a principal, and a well-formed spec") {
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--volume", "persistent:pv:data", "true"}),
             Contains("--volume persistent: needs --role and --principal"));
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--role", "r", "--principal", "p", "--volume",
                      "persistent:pv:data,size=x", "true"}),
             Contains("must be persistent:ID:CONTAINER[:ro|:rw][,size=MIB]"));
  const Options o = parse({"--master", "m:1", "--image", "i", "--role", "r", "--principal", "p", "--volume",
                           "persistent:pv:/srv/db:ro,size=256", "true"});
  const auto volumes = dc::framework::persistent_volumes(o);
  REQUIRE(volumes.size() == 1);
  CHECK(volumes[0].id == "pv");
  CHECK(volumes[0].container_path == "/srv/db");
  CHECK(volumes[0].readonly);
  CHECK(volumes[0].size == 256);
}

TEST_CASE("--volume named: is a docker named volume, with its driver and options") {
  Options o = parse({"--master", "m:1", "--image", "i", "--volume", "named:db:/var/lib/db:ro,driver=local,opt=type=tmpfs,"
                     "opt=o=size=8m", "true"});
  const mesos::Volume v = dc::framework::container_info(o).volumes(0);
  CHECK_FALSE(v.has_host_path());
  CHECK(v.container_path() == "/var/lib/db");
  CHECK(v.mode() == mesos::Volume::RO);
  CHECK(v.source().type() == mesos::Volume::Source::DOCKER_VOLUME);
  CHECK(v.source().docker_volume().name() == "db");
  CHECK(v.source().docker_volume().driver() == "local");
  REQUIRE(v.source().docker_volume().driver_options().parameter_size() == 2);
  CHECK(v.source().docker_volume().driver_options().parameter(1).key() == "o");
  CHECK(v.source().docker_volume().driver_options().parameter(1).value() == "size=8m");
  CHECK_THAT(refusal({"--master", "m:1", "--image", "i", "--volume", "named:db:/d,size=1", "true"}),
             Contains("'size=1' is not driver=DRIVER or opt=KEY=VALUE"));
}
