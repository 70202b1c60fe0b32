// The docker output parsers on output captured from a real engine
// (tests/fixtures/docker/README.md): no docker is needed to run these.
#include "docker/docker.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "plan/policy.hpp"
#include "protocol/naming.hpp"
#include "protocol/termination.hpp"

using namespace dc_test;
using Labels = std::map<std::string, std::string>;

namespace {

std::string docker_fixture(const std::string& name) { return slurp(fixture("docker/" + name)); }

const std::string kFramework = "dce23285-dc9c-40e6-b249-56f6c21562b5-0004";
const std::string kSlave = "dce23285-dc9c-40e6-b249-56f6c21562b5-S3";

}  // namespace

// ----------------------------------------------------------------- inspect

TEST_CASE("parse_inspect reads a running container") {
  const auto c = dc::docker::parse_inspect(docker_fixture("inspect-running.json"));
  REQUIRE(c);
  CHECK(c->id == "daed304e02f3dd89de733a934c0dbc90978cb7beb43dde03dfaae64949222d5f");
  CHECK(c->name == "dcunit-json-running-12208");  // docker's leading '/' dropped
  CHECK(c->running);
  CHECK(c->pid == 15254);
  CHECK(c->exit_code == 0);
  CHECK_FALSE(c->oom_killed);
  CHECK(c->status == "running");
  CHECK(c->labels == Labels{
                         {dc::labels::kContainerId, "739d0e80-66a3-4cf4-98ea-d0fad73c2a29"},
                         {dc::labels::kExecutorId, "web-1"},
                         {dc::labels::kFrameworkId, kFramework},
                         {dc::labels::kSandbox, "/var/lib/mesos/slaves/S3/runs/739d0e80"},
                         {dc::labels::kSlaveId, kSlave},
                         {dc::labels::kWorkDirectory, "/var/lib/mesos"},
                     });
}

TEST_CASE("parse_inspect reads an exited container and its exit code") {
  const auto c = dc::docker::parse_inspect(docker_fixture("inspect-exited-3.json"));
  REQUIRE(c);
  CHECK(c->id == "ea4701f194c1a548e87758ba92d981c889cc44b09b96fe258d4815d1a3b1c510");
  CHECK(c->name == "dcunit-json-exited-12208");
  CHECK_FALSE(c->running);
  CHECK(c->pid == 0);
  CHECK(c->exit_code == 3);
  CHECK_FALSE(c->oom_killed);
  CHECK(c->status == "exited");
  CHECK(c->labels.size() == 5);
  CHECK(c->labels.at(dc::labels::kContainerId) == "5f0c1e2a-exited");
  CHECK(c->labels.count(dc::labels::kSandbox) == 0);
  // What wait reports for it: exit 3 in waitpid form.
  CHECK(dc::termination::from_docker(c->exit_code, c->oom_killed).status == 768);
}

TEST_CASE("parse_inspect reads a bridged container's IP address; host and none have none") {
  const auto bridged = dc::docker::parse_inspect(docker_fixture("inspect-bridge.json"));
  REQUIRE(bridged);
  CHECK(bridged->ip == "172.17.0.2");
  CHECK(bridged->output == docker_fixture("inspect-bridge.json"));  // whole, for TASK_RUNNING's data
  CHECK(dc::docker::parse_inspect(docker_fixture("inspect-running.json"))->ip.empty());
  CHECK(dc::docker::parse_inspect(docker_fixture("inspect-exited-3.json"))->ip.empty());
  const std::string odd = GENERATE(as<std::string>{}, R"({"NetworkSettings": null})",
                                   R"({"NetworkSettings": {"Networks": null}})",
                                   R"({"NetworkSettings": {"Networks": {"n": {"IPAddress": null}}}})",
                                   R"({"NetworkSettings": {"Networks": {"n": 5}}})");
  CAPTURE(odd);
  const auto c = dc::docker::parse_inspect("[" + odd + "]");
  REQUIRE(c);
  CHECK(c->ip.empty());
}

TEST_CASE("parse_inspect refuses what is not an inspect array") {
  const std::string running = docker_fixture("inspect-running.json");
  const std::string text = GENERATE_COPY(as<std::string>{}, "", "not json", "[]", "{}", "[1]", "[null]", "null",
                                         running.substr(0, running.size() / 2));
  CAPTURE(text);
  CHECK_FALSE(dc::docker::parse_inspect(text));
}

TEST_CASE("parse_inspect takes defaults for missing or null parts") {
  const auto bare = dc::docker::parse_inspect("[{}]");
  REQUIRE(bare);
  CHECK(bare->id.empty());
  CHECK(bare->name.empty());
  CHECK_FALSE(bare->running);
  CHECK(bare->labels.empty());

  // docker prints "Labels": null for a container without labels.
  const auto unlabelled = dc::docker::parse_inspect(R"([{"Id": "x", "Config": {"Labels": null}}])");
  REQUIRE(unlabelled);
  CHECK(unlabelled->labels.empty());
}

TEST_CASE("parse_inspect keeps only string labels, and reads OOMKilled") {
  const auto c = dc::docker::parse_inspect(
      R"([{"Name": "/n", "State": {"OOMKilled": true, "ExitCode": 137},
           "Config": {"Labels": {"a": "1", "b": 2, "c": "", "d": null}}}])");
  REQUIRE(c);
  CHECK(c->labels == Labels{{"a", "1"}, {"c", ""}});
  CHECK(c->oom_killed);
  CHECK(c->exit_code == 137);
}

// ------------------------------------------------------------ image inspect

TEST_CASE("parse_image: an image with a null Entrypoint") {
  const auto image = dc::docker::parse_image(docker_fixture("image-inspect-busybox.json"));
  REQUIRE(image);
  CHECK(image->id == "sha256:fd96883a39026ecc079d96d382ea7bb26d1688b84fc81d36d455b10d2f1ef40e");
  CHECK(image->repo_digests.empty());
  const auto* command = &image->command;
  CHECK(command->entrypoint.empty());
  CHECK(command->cmd == std::vector<std::string>{"/bin/sh"});
}

TEST_CASE("parse_image: an image with Entrypoint and Cmd") {
  const auto image = dc::docker::parse_image(docker_fixture("image-inspect-entrypoint.json"));
  REQUIRE(image);
  const auto* command = &image->command;
  CHECK(command->entrypoint == std::vector<std::string>{"/bin/echo", "from entrypoint"});
  CHECK(command->cmd == std::vector<std::string>{"a", "b"});
}

TEST_CASE("parse_image: a pulled image's id and registry digest") {
  const auto image = dc::docker::parse_image(docker_fixture("image-inspect-pulled.json"));
  REQUIRE(image);
  CHECK(image->id == "sha256:f0d8a168586e46c19923f6f9584d45661ee39ce8be2f39c64da736bea61f93a5");
  CHECK(image->repo_digests ==
        std::vector<std::string>{
            "127.0.0.1:5291/i11/probe@sha256:daf12fd2cb2ca14e80e8b13a826176dd735bab9ea4e3b291c759247d75f2e579"});
}

TEST_CASE("parse_image: malformed output and missing Config") {
  for (const std::string text : {"", "garbage", "[]", "{}", "[3]"}) {
    CAPTURE(text);
    CHECK_FALSE(dc::docker::parse_image(text));
  }
  for (const std::string text : {"[{}]", R"([{"Config": null}])", R"([{"Config": {"Cmd": null, "Entrypoint": null}}])"}) {
    CAPTURE(text);
    const auto image = dc::docker::parse_image(text);
    REQUIRE(image);
    const auto* command = &image->command;
    CHECK(command->entrypoint.empty());
    CHECK(command->cmd.empty());
  }
}

// ---------------------------------------------------------------------- ps

TEST_CASE("parse_ps reads our containers and skips those without our id label") {
  const auto listed = dc::docker::parse_ps(docker_fixture("ps.txt"));
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].container_id == "5f0c1e2a-exited");
  CHECK(listed[0].name == "dcunit-json-exited-12208");
  CHECK(listed[0].state == "exited");
  CHECK(listed[1].container_id == "739d0e80-66a3-4cf4-98ea-d0fad73c2a29");
  CHECK(listed[1].name == "dcunit-json-running-12208");
  CHECK(listed[1].state == "running");
}

TEST_CASE("parse_ps skips incomplete lines and needs no final newline") {
  const auto listed = dc::docker::parse_ps("c1\tmesos-S1.c1\trunning\nonly-id\nc2\tname\n\nc3\tmesos-c3\texited");
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].container_id == "c1");
  CHECK(listed[1].container_id == "c3");
  CHECK(listed[1].state == "exited");
  CHECK(dc::docker::parse_ps("").empty());
}

TEST_CASE("endpoint names the engine docker talks to") {
  using dc::docker::endpoint;
  CHECK(endpoint({}, "") == "unix:///var/run/docker.sock");
  CHECK(endpoint({}, "tcp://127.0.0.1:2375") == "tcp://127.0.0.1:2375");
  CHECK(endpoint({"-H", "unix:///run/d.sock"}, "tcp://x:1") == "unix:///run/d.sock");
  CHECK(endpoint({"--config", "/etc/d", "--host=unix:///a.sock"}, "") == "unix:///a.sock");
  CHECK(endpoint({"--host", "unix:///b.sock"}, "") == "unix:///b.sock");
  CHECK(endpoint({"-H"}, "") == "unix:///var/run/docker.sock");
  // The forms policy::engine_sockets reads too (one parser, issue 31).
  CHECK(endpoint({"-Hunix:///c.sock"}, "") == "unix:///c.sock");
  CHECK(endpoint({"-H=unix:///e.sock"}, "") == "unix:///e.sock");
}

TEST_CASE("-H: the engine docker talks to is a socket the policy refuses, in every form docker reads") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-H", "unix:///srv/x.sock"}, {"--host", "unix:///srv/x.sock"},
        {"-H=unix:///srv/x.sock"}, {"--host=unix:///srv/x.sock"}, {"-Hunix:///srv/x.sock"}}) {
    CHECK(dc::docker::endpoint(args, "") == "unix:///srv/x.sock");
    const auto sockets = dc::policy::engine_sockets(args, "");
    CHECK(std::count(sockets.begin(), sockets.end(), "/srv/x.sock") == 1);
  }
}
