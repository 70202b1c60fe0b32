// The environment main reads once (dc::read_environment), which everything
// below it gets in Settings instead of calling getenv.
#include <catch2/catch.hpp>

#include "base/settings.hpp"

TEST_CASE("read_environment: every variable, and the named ones the program uses") {
  const char* const environ[] = {"MESOS_WORK_DIRECTORY=/var/lib/mesos", "DOCKER_HOST=unix:///srv/d.sock",
                                 "PATH=/usr/bin:/bin", "MESOS_LIBEXEC_DIRECTORY=/usr/libexec/mesos",
                                 "EMPTY=", "NO_EQUALS", nullptr};
  const dc::CallEnvironment environment = dc::read_environment(environ);
  CHECK(environment.work_directory == "/var/lib/mesos");
  CHECK(environment.docker_host == "unix:///srv/d.sock");
  CHECK(environment.path == std::optional<std::string>("/usr/bin:/bin"));
  CHECK(environment.libexec_directory == "/usr/libexec/mesos");
  CHECK(environment.variables.size() == 5);
  CHECK(environment.variables.at("EMPTY").empty());
  CHECK(environment.value("EMPTY").empty());
  CHECK(environment.value("UNSET").empty());
}

TEST_CASE("read_environment: PATH unset is not PATH empty") {
  const char* const unset[] = {nullptr};
  CHECK_FALSE(dc::read_environment(unset).path);
  const char* const empty[] = {"PATH=", nullptr};
  CHECK(dc::read_environment(empty).path == std::optional<std::string>(""));
}

TEST_CASE("read_environment: a name given twice, as getenv and the environment handed on read it") {
  const char* const environ[] = {"DOCKER_HOST=tcp://first:1", "DOCKER_HOST=tcp://second:2", nullptr};
  const dc::CallEnvironment environment = dc::read_environment(environ);
  CHECK(environment.docker_host == "tcp://first:1");
  CHECK(environment.variables.at("DOCKER_HOST") == "tcp://second:2");
}

TEST_CASE("finalize: the state directory under the work directory main read") {
  dc::Settings settings;
  settings.environment.work_directory = "/var/lib/mesos";
  dc::finalize(settings);
  CHECK(settings.state_dir == "/var/lib/mesos/docker-containerizer");
  dc::Settings elsewhere;
  dc::finalize(elsewhere);
  CHECK(elsewhere.state_dir == "/var/lib/docker-containerizer");
}
