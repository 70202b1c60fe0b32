// When the host executor's work is over, with the time given: the agent gone
// (never subscribed, not back, given up), SHUTDOWN, a silent agent, the task
// done.
#include <catch2/catch.hpp>
#include <string>

#include "executor/config.hpp"
#include "executor/lifetime.hpp"
#include "executor/task.hpp"

using namespace std::chrono_literals;
using dc::executor::Lifetime;
using dc::executor::Task;

namespace {

const Lifetime::Clock::time_point t0{};

dc::executor::Config config() {
  dc::executor::Config config;
  config.recovery_timeout = 60s;
  config.shutdown_grace = 5s;
  return config;
}

// Update ids "1", "2", ... so tests can acknowledge them.
Task counting_task() {
  return Task("ex", [n = 0]() mutable { return std::to_string(++n); });
}

Task launched_task() {
  Task task = counting_task();
  mesos::TaskInfo info;
  info.set_name("t");
  info.mutable_task_id()->set_value("task-1");
  task.launch(info);
  return task;
}

// A decision in words: "go on", "abandon: <why>", "over", "over, the agent
// silent", or "abandon: <why>; over".
std::string said(const Lifetime::Decision& decision) {
  std::string text = decision.abandon ? "abandon: " + *decision.abandon : "";
  if (decision.over)
    text += std::string(text.empty() ? "" : "; ") + (decision.agent_silent ? "over, the agent silent" : "over");
  return text.empty() ? "go on" : text;
}

}  // namespace

TEST_CASE("never subscribed within MESOS_RECOVERY_TIMEOUT: abandon") {
  const Task task = counting_task();
  Lifetime lifetime(config(), t0);
  lifetime.disconnected(t0 + 1s);  // a SUBSCRIBE that failed
  CHECK(said(lifetime.over(task, t0 + 59s)) == "go on");
  CHECK(lifetime.deadline(task) == t0 + 60s);
  // Not over while the container runs: abandoning stops it.
  CHECK(said(lifetime.over(task, t0 + 60s)) == "abandon: could not subscribe within MESOS_RECOVERY_TIMEOUT");
}

TEST_CASE("disconnected for MESOS_RECOVERY_TIMEOUT: abandon, counted from the loss") {
  const Task task = counting_task();
  Lifetime lifetime(config(), t0);
  lifetime.subscribed(t0 + 1s);
  lifetime.disconnected(t0 + 10s);
  lifetime.disconnected(t0 + 20s);  // a SUBSCRIBE that failed
  CHECK(lifetime.deadline(task) == t0 + 70s);
  CHECK(said(lifetime.over(task, t0 + 69s)) == "go on");
  CHECK(said(lifetime.over(task, t0 + 70s)) ==
        "abandon: the agent did not come back within MESOS_RECOVERY_TIMEOUT");
}

TEST_CASE("back within MESOS_RECOVERY_TIMEOUT: go on") {
  const Task task = counting_task();
  Lifetime lifetime(config(), t0);
  lifetime.subscribed(t0 + 1s);
  lifetime.disconnected(t0 + 10s);
  lifetime.subscribed(t0 + 69s);
  CHECK(said(lifetime.over(task, t0 + 200s)) == "go on");
  CHECK(lifetime.deadline(task) == std::nullopt);
}

TEST_CASE("given up: abandon with its reason, before MESOS_RECOVERY_TIMEOUT's") {
  const Task task = counting_task();
  Lifetime lifetime(config(), t0);
  lifetime.give_up("the agent no longer knows the executor: 403");
  CHECK(lifetime.gave_up());
  CHECK(said(lifetime.over(task, t0 + 1s)) == "abandon: the agent no longer knows the executor: 403");
  CHECK(said(lifetime.over(task, t0 + 100s)) == "abandon: the agent no longer knows the executor: 403");
}

TEST_CASE("abandoned: over once the container has ended, not before") {
  const Task task = counting_task();
  Lifetime lifetime(config(), t0);
  lifetime.give_up("gone");
  lifetime.abandoned();
  CHECK(said(lifetime.over(task, t0 + 100s)) == "go on");
  CHECK(lifetime.deadline(task) == std::nullopt);
  lifetime.exited();
  CHECK(said(lifetime.over(task, t0 + 100s)) == "over");
}

TEST_CASE("abandoning after the container ended: abandon and over in one decision") {
  const Task task = counting_task();
  Lifetime lifetime(config(), t0);
  lifetime.exited();
  lifetime.give_up("gone");
  CHECK(said(lifetime.over(task, t0)) == "abandon: gone; over");
}

TEST_CASE("the container ended and the agent silent for kAgentSilence: over") {
  const Task task = launched_task();
  Lifetime lifetime(config(), t0);
  lifetime.subscribed(t0);
  lifetime.exited();
  CHECK(lifetime.waiting_on_agent(task));
  CHECK(lifetime.deadline(task) == t0 + Lifetime::kAgentSilence);
  CHECK(said(lifetime.over(task, t0 + Lifetime::kAgentSilence - 1ms)) == "go on");
  CHECK(said(lifetime.over(task, t0 + Lifetime::kAgentSilence)) == "over, the agent silent");
}

TEST_CASE("the agent's answer restarts kAgentSilence") {
  const Task task = launched_task();
  Lifetime lifetime(config(), t0);
  lifetime.subscribed(t0);
  lifetime.exited();
  lifetime.heard(t0 + 15s);
  CHECK(lifetime.heard_at() == t0 + 15s);
  CHECK(said(lifetime.over(task, t0 + Lifetime::kAgentSilence)) == "go on");
  CHECK(lifetime.deadline(task) == t0 + 15s + Lifetime::kAgentSilence);
  CHECK(said(lifetime.over(task, t0 + 15s + Lifetime::kAgentSilence)) == "over, the agent silent");
}

TEST_CASE("never subscribed: the silence counts from the start") {
  const Task task = counting_task();
  Lifetime lifetime(config(), t0);
  lifetime.exited();
  CHECK(lifetime.waiting_on_agent(task));
  CHECK(said(lifetime.over(task, t0 + Lifetime::kAgentSilence)) == "over, the agent silent");
}

TEST_CASE("disconnected after subscribing: the silence ends nothing, MESOS_RECOVERY_TIMEOUT does") {
  const Task task = launched_task();
  Lifetime lifetime(config(), t0);
  lifetime.subscribed(t0);
  lifetime.disconnected(t0 + 1s);
  lifetime.exited();
  CHECK(lifetime.deadline(task) == t0 + 61s);
  CHECK(said(lifetime.over(task, t0 + 60s)) == "go on");
  CHECK(said(lifetime.over(task, t0 + 61s)) ==
        "abandon: the agent did not come back within MESOS_RECOVERY_TIMEOUT; over");
  CHECK_FALSE(lifetime.waiting_on_agent(task));
}

TEST_CASE("SHUTDOWN before a LAUNCH: over once the container has ended") {
  const Task task = counting_task();
  Lifetime lifetime(config(), t0);
  lifetime.subscribed(t0);
  lifetime.shutdown(t0 + 1s);
  CHECK(said(lifetime.over(task, t0 + 2s)) == "go on");
  lifetime.exited();
  CHECK(said(lifetime.over(task, t0 + 2s)) == "over");
}

TEST_CASE("SHUTDOWN of a launched task: over shutdown_grace after the first SHUTDOWN") {
  const Task task = launched_task();
  Lifetime lifetime(config(), t0);
  lifetime.subscribed(t0);
  lifetime.heard(t0 + 10s);
  lifetime.shutdown(t0 + 10s);
  lifetime.shutdown(t0 + 12s);
  lifetime.exited();
  CHECK(lifetime.deadline(task) == t0 + 15s);
  CHECK(said(lifetime.over(task, t0 + 15s - 1ms)) == "go on");
  CHECK(said(lifetime.over(task, t0 + 15s)) == "over");
}

TEST_CASE("the terminal update acknowledged: over, whatever else holds") {
  Task task = launched_task();
  task.container_exited({0, false}, 0);
  task.acknowledged("1");
  task.acknowledged("2");
  REQUIRE(task.done());
  Lifetime lifetime(config(), t0);
  lifetime.give_up("gone");
  CHECK(said(lifetime.over(task, t0)) == "over");
  lifetime.exited();
  CHECK_FALSE(lifetime.waiting_on_agent(task));
}

TEST_CASE("deadline: the earliest of MESOS_RECOVERY_TIMEOUT, shutdown_grace and kAgentSilence") {
  const Task task = launched_task();
  auto long_grace = config();
  long_grace.shutdown_grace = 120s;
  Lifetime lifetime(config(), t0);
  Lifetime patient(long_grace, t0);
  SECTION("subscribed, the container running: none") {
    lifetime.subscribed(t0);
    lifetime.shutdown(t0);
    CHECK(lifetime.deadline(task) == std::nullopt);
  }
  SECTION("never subscribed, the container ended: kAgentSilence before MESOS_RECOVERY_TIMEOUT") {
    lifetime.exited();
    CHECK(lifetime.deadline(task) == t0 + Lifetime::kAgentSilence);
  }
  SECTION("SHUTDOWN: shutdown_grace before kAgentSilence") {
    lifetime.subscribed(t0);
    lifetime.exited();
    lifetime.shutdown(t0 + 1s);
    CHECK(lifetime.deadline(task) == t0 + 6s);
  }
  SECTION("a long shutdown_grace: kAgentSilence first") {
    patient.subscribed(t0);
    patient.exited();
    patient.shutdown(t0);
    CHECK(patient.deadline(task) == t0 + Lifetime::kAgentSilence);
  }
  SECTION("disconnected: MESOS_RECOVERY_TIMEOUT before shutdown_grace") {
    patient.subscribed(t0);
    patient.shutdown(t0);
    patient.disconnected(t0);
    patient.exited();
    CHECK(patient.deadline(task) == t0 + 60s);
  }
  SECTION("abandoned: none") {
    lifetime.exited();
    lifetime.abandoned();
    CHECK(lifetime.deadline(task) == std::nullopt);
  }
}
