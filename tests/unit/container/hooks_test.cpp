// dc::hooks::environment: the facts a hook is given, from a container's record.
#include "container/hooks.hpp"

#include <catch2/catch.hpp>
#include <csignal>

#include "container/sample_record.hpp"
#include "protocol/termination.hpp"

using Pairs = std::map<std::string, std::string>;

namespace {

dc::state::Record bridged_record() {
  dc::state::Record r = dc_test::sample_task_record("S1", "c1");
  r.sandbox = "/var/lib/mesos/slaves/S1/runs/c1";
  r.docker_id = "daed304e02f3";
  return r;
}

}  // namespace

TEST_CASE("a hook is told the container's facts, under CONTAINERIZER_HOOK_") {
  const Pairs expected = {
      {"CONTAINERIZER_HOOK_EVENT", "launched"},
      {"CONTAINERIZER_HOOK_CONTAINER_ID", "c1"},
      {"CONTAINERIZER_HOOK_SLAVE_ID", "S1"},
      {"CONTAINERIZER_HOOK_NAME", "mesos-S1.c1"},
      {"CONTAINERIZER_HOOK_DOCKER_ID", "daed304e02f3"},
      {"CONTAINERIZER_HOOK_IMAGE", "library/busybox:1.36"},
      {"CONTAINERIZER_HOOK_IMAGE_ID", "sha256:fd96"},
      {"CONTAINERIZER_HOOK_IMAGE_DIGEST", "busybox@sha256:9ae9"},
      {"CONTAINERIZER_HOOK_FRAMEWORK_ID", "F1"},
      {"CONTAINERIZER_HOOK_EXECUTOR_ID", "exec-1"},
      {"CONTAINERIZER_HOOK_TASK_ID", "task-1"},
      {"CONTAINERIZER_HOOK_SANDBOX", "/var/lib/mesos/slaves/S1/runs/c1"},
      {"CONTAINERIZER_HOOK_NETWORK", "bridge"},
      {"CONTAINERIZER_HOOK_IP", "172.17.0.2"},
      {"CONTAINERIZER_HOOK_PORTS", "31000->80/tcp 31001->53/udp"},
  };
  CHECK(dc::hooks::environment(bridged_record(), "launched") == expected);
}

TEST_CASE("an older record's missing facts are empty, never absent") {
  dc::state::Record old;
  old.container_id = "c1";
  const auto env = dc::hooks::environment(old, "ended");
  CHECK(env.at("CONTAINERIZER_HOOK_IP").empty());
  CHECK(env.at("CONTAINERIZER_HOOK_PORTS").empty());
  CHECK(env.at("CONTAINERIZER_HOOK_TASK_ID").empty());
  CHECK(env.count("CONTAINERIZER_HOOK_STATUS") == 0);  // no Termination yet
}

TEST_CASE("`ended` is also told the Termination") {
  dc::state::Record r = bridged_record();
  r.termination = dc::termination::make({3 << 8, false}, false, 0);
  auto env = dc::hooks::environment(r, "ended");
  CHECK(env.at("CONTAINERIZER_HOOK_EVENT") == "ended");
  CHECK(env.at("CONTAINERIZER_HOOK_STATUS") == "768");
  CHECK(env.at("CONTAINERIZER_HOOK_EXIT_CODE") == "3");
  CHECK(env.at("CONTAINERIZER_HOOK_KILLED") == "false");
  CHECK(env.at("CONTAINERIZER_HOOK_MESSAGE") == r.termination->message());
  CHECK(env.at("CONTAINERIZER_HOOK_REASON").empty());

  SECTION("an OOM kill with its state and reason; a destroy as killed") {
    r.termination = dc::termination::make({SIGKILL, true}, true, 64ull << 20);
    env = dc::hooks::environment(r, "ended");
    CHECK(env.at("CONTAINERIZER_HOOK_STATUS") == "9");
    CHECK(env.at("CONTAINERIZER_HOOK_EXIT_CODE") == "137");
    CHECK(env.at("CONTAINERIZER_HOOK_KILLED") == "true");
    CHECK(env.at("CONTAINERIZER_HOOK_STATE") == "TASK_FAILED");
    CHECK(env.at("CONTAINERIZER_HOOK_REASON") == "REASON_CONTAINER_LIMITATION_MEMORY");
  }
}
