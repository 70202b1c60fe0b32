// Override mode's health checks: the check Mesos's executor passes, in the
// JSON stout writes (0.20.1 and 0.28.2: every field with its default),
// rewritten so that its command runs through `enter` in the container.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "container/override_check.hpp"

using Catch::Matchers::Contains;
using nlohmann::json;
using Args = std::vector<std::string>;

namespace {

const dc::override_check::Target kTarget{"/usr/lib/docker-containerizer/docker-containerizer",
                                         "/var/lib/mesos/docker-containerizer",
                                         "c1",
                                         {{"PATH", "/usr/bin:/bin"},
                                          {"CONTAINERIZER_DOCKER", "/usr/bin/docker"},
                                          {"DOCKER_HOST", "unix:///run/docker.sock"},
                                          {"LD_PRELOAD", "/host.so"},
                                          {"MESOS_SLAVE_PID", "slave(1)@10.0.0.1:5051"}}};

// The check as 0.28.2's executor writes it, with `command` given.
std::string check_with(const json& command) {
  return json{{"command", command},        {"consecutive_failures", 3},   {"delay_seconds", 15.0},
              {"grace_period_seconds", 10.0}, {"interval_seconds", 10.0}, {"timeout_seconds", 20.0}}
      .dump();
}

json rewritten(const json& command) { return json::parse(dc::override_check::rewrite(check_with(command), kTarget)); }

Args enter_argv(const std::vector<std::string>& tail) {
  Args argv = {"docker-containerizer", "--state-dir", kTarget.state_dir, "enter", "c1"};
  argv.insert(argv.end(), tail.begin(), tail.end());
  return argv;
}

std::string refusal(const std::string& text) {
  try {
    dc::override_check::rewrite(text, kTarget);
  } catch (const dc::Error& e) {
    return e.what();
  }
  FAIL("rewritten, not refused: " << text);
  return "";
}

}  // namespace

TEST_CASE("override check: a shell command runs as /bin/sh -c VALUE through enter, the argv form on the host") {
  const std::string value = "touch /tmp/m; echo \"$(id)\" 'it''s' `x`\nnext \\ line";
  const json check = rewritten({{"shell", true}, {"value", value}});
  CHECK(check["command"]["shell"] == false);
  CHECK(check["command"]["value"] == kTarget.self);
  CHECK(check["command"]["arguments"].get<Args>() == enter_argv({"--", "/bin/sh", "-c", value}));
  // Everything else as the executor gave it.
  CHECK(check["interval_seconds"] == 10.0);
  CHECK(check["consecutive_failures"] == 3);
  CHECK(check.size() == 6);
}

TEST_CASE("override check: shell unset is a shell command (CommandInfo's default)") {
  CHECK(rewritten({{"value", "true"}})["command"]["arguments"].get<Args>() ==
        enter_argv({"--", "/bin/sh", "-c", "true"}));
}

TEST_CASE("override check: the argv form runs VALUE with the arguments after their argv[0]") {
  const json check = rewritten({{"shell", false}, {"value", "/bin/test"}, {"arguments", {"test", "-e", "$(x)"}}});
  CHECK(check["command"]["arguments"].get<Args>() == enter_argv({"--", "/bin/test", "-e", "$(x)"}));
  CHECK(rewritten({{"shell", false}, {"value", "/bin/true"}})["command"]["arguments"].get<Args>() ==
        enter_argv({"--", "/bin/true"}));
}

TEST_CASE("override check: the check's environment goes to the container, the host gets only enter's settings") {
  const json check = rewritten(
      {{"value", "env"},
       {"environment",
        {{"variables", {{{"name", "LD_PRELOAD"}, {"value", "/x.so"}}, {{"name", "V"}, {"value", "a=b\n-c"}}}}}}});
  CHECK(check["command"]["arguments"].get<Args>() ==
        enter_argv({"--env=LD_PRELOAD=/x.so", "--env=V=a=b\n-c", "--", "/bin/sh", "-c", "env"}));
  // 0.20's checker gives the command only these: PATH and the settings.
  CHECK(check["command"]["environment"] ==
        json{{"variables",
              {{{"name", "CONTAINERIZER_DOCKER"}, {"value", "/usr/bin/docker"}},
               {{"name", "DOCKER_HOST"}, {"value", "unix:///run/docker.sock"}},
               {{"name", "PATH"}, {"value", "/usr/bin:/bin"}}}}});
}

TEST_CASE("override check: user and uris are ignored, as Mesos's checker ignores them") {
  CHECK(rewritten({{"value", "true"}, {"user", "bob"}, {"uris", json::array()}})["command"]["arguments"] ==
        enter_argv({"--", "/bin/sh", "-c", "true"}));
}

TEST_CASE("override check: what cannot be confined is refused") {
  CHECK_THAT(refusal("{\"command\": "), Contains("not JSON"));
  CHECK_THAT(refusal("[1]"), Contains("the health check is not an object"));
  CHECK_THAT(refusal(R"({"http": {"port": 80}})"), Contains("unknown field 'http' in the health check"));
  CHECK_THAT(refusal(R"({"delay_seconds": 1})"), Contains("no command"));
  CHECK_THAT(refusal(R"({"command": {"value": "x"}, "delay_seconds": "1"})"), Contains("delay_seconds is not a number"));
  CHECK_THAT(refusal(check_with({{"value", "x"}, {"container", {{"image", "i"}}}})),
             Contains("unknown field 'container' in the check's command"));
  CHECK_THAT(refusal(check_with({{"shell", true}})), Contains("no value"));
  CHECK_THAT(refusal(check_with({{"value", 1}})), Contains("not a string"));
  CHECK_THAT(refusal(check_with({{"value", "x"}, {"shell", "yes"}})), Contains("shell is not true or false"));
  CHECK_THAT(refusal(check_with({{"value", std::string("a\0b", 3)}})), Contains("holds a NUL"));
  CHECK_THAT(refusal(check_with({{"value", "x"}, {"shell", false}, {"arguments", {"x", std::string("\0", 1)}}})),
             Contains("holds a NUL"));
  CHECK_THAT(refusal(check_with({{"value", "x"}, {"environment", {{"variables", {{{"name", "A=B"}, {"value", "v"}}}}}}})),
             Contains("variable named 'A=B'"));
  CHECK_THAT(refusal(check_with({{"value", "x"}, {"environment", {{"variables", {{{"value", "v"}}}}}}})),
             Contains("not a string"));
  CHECK_THAT(refusal(check_with({{"value", "x"}, {"environment", {{"variables", {{{"name", "A"}, {"other", 1}}}}}}})),
             Contains("unknown field 'other'"));
}
