// The host executor's pure parts: durations and configuration from the
// agent's executor environment, and the task's updates.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "base/error.hpp"
#include "executor/config.hpp"
#include "executor/outbox.hpp"
#include "executor/task.hpp"

using Catch::Matchers::Contains;
using namespace std::chrono_literals;
using dc::executor::parse_duration;
using dc::executor::Task;

TEST_CASE("durations in Mesos's notation") {
  CHECK(parse_duration("15mins") == 15min);
  CHECK(parse_duration("2secs") == 2s);
  CHECK(parse_duration("0.5secs") == 500ms);
  CHECK(parse_duration("100ms") == 100ms);
  CHECK(parse_duration("1hrs") == 1h);
  CHECK(parse_duration("1days") == 24h);
  CHECK(parse_duration("2weeks") == 336h);
  CHECK(parse_duration("3000us") == 3ms);
  for (const char* bad : {"", "secs", "5", "5 secs", "-1secs", "1.2.3secs", "5sec"})
    CHECK_THROWS_WITH(parse_duration(bad), Contains("malformed duration"));
}

TEST_CASE("configuration from the executor environment") {
  dc::Environment environment = {{"MESOS_AGENT_ENDPOINT", "127.0.0.1:5051"},
                                 {"MESOS_FRAMEWORK_ID", "fw"},
                                 {"MESOS_EXECUTOR_ID", "ex"}};
  auto config = dc::executor::config_from(environment);
  CHECK(config.agent.authority() == "127.0.0.1:5051");
  CHECK(config.agent.target == "/api/v1/executor");
  CHECK_FALSE(config.checkpoint);
  CHECK(config.recovery_timeout == 15min);
  environment["MESOS_CHECKPOINT"] = "1";
  environment["MESOS_RECOVERY_TIMEOUT"] = "3secs";
  environment["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "200ms";
  environment["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "10secs";
  config = dc::executor::config_from(environment);
  CHECK(config.checkpoint);
  CHECK(config.recovery_timeout == 3s);
  CHECK(config.backoff_max == 200ms);
  CHECK(config.shutdown_grace == 10s);
  environment["MESOS_RECOVERY_TIMEOUT"] = "soon";
  CHECK_THROWS_WITH(dc::executor::config_from(environment), Contains("MESOS_RECOVERY_TIMEOUT: malformed"));
  environment.erase("MESOS_EXECUTOR_ID");
  CHECK_THROWS_WITH(dc::executor::config_from(environment), Contains("MESOS_EXECUTOR_ID is not set"));
}

namespace {

// Update ids "1", "2", ... so tests can acknowledge them.
Task counting_task() {
  return Task("ex", [n = 0]() mutable { return std::to_string(++n); });
}

mesos::TaskInfo task_info(std::optional<int64_t> grace_ns = std::nullopt) {
  mesos::TaskInfo task;
  task.set_name("t");
  task.mutable_task_id()->set_value("task-1");
  if (grace_ns) task.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(*grace_ns);
  return task;
}

constexpr int exited(int code) { return code << 8; }

}  // namespace

TEST_CASE("a task that exits 0: TASK_RUNNING, TASK_FINISHED, done once acknowledged") {
  Task task = counting_task();
  auto running = task.launch(task_info());
  REQUIRE(running.size() == 1);
  CHECK(running[0].state() == mesos::TASK_RUNNING);
  CHECK(running[0].task_id().value() == "task-1");
  CHECK(running[0].executor_id().value() == "ex");
  CHECK(running[0].source() == mesos::TaskStatus::SOURCE_EXECUTOR);
  CHECK(running[0].uuid() == "1");
  CHECK(task.launch(task_info()).empty());
  auto finished = task.container_exited({exited(0), false}, 0);
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].state() == mesos::TASK_FINISHED);
  CHECK(finished[0].message() == "Command exited with status 0");
  CHECK_FALSE(task.done());
  task.acknowledged("1");
  CHECK_FALSE(task.done());
  task.acknowledged("2");
  CHECK(task.done());
}

TEST_CASE("a failing task reports its status; a killed one TASK_KILLED") {
  Task failing = counting_task();
  failing.launch(task_info());
  auto failed = failing.container_exited({exited(3), false}, 0);
  CHECK(failed.at(0).state() == mesos::TASK_FAILED);
  CHECK(failed.at(0).message() == "Command exited with status 3");

  Task killed = counting_task();
  killed.launch(task_info());
  CHECK(killed.kill(nullptr, 7s)->grace == 7s);
  CHECK_FALSE(killed.kill(nullptr, 7s));
  auto update = killed.container_exited({SIGTERM, false}, 0);
  CHECK(update.at(0).state() == mesos::TASK_KILLED);
  CHECK(update.at(0).message() == "Command terminated by signal 15 (Terminated)");
}

TEST_CASE("kill grace: the KILL's policy, else the task's, else the fallback") {
  Task own = counting_task();
  own.launch(task_info(2'000'000'000));
  CHECK(own.kill(nullptr, 7s)->grace == 2s);
  Task overridden = counting_task();
  overridden.launch(task_info(2'000'000'000));
  mesos::KillPolicy policy;
  policy.mutable_grace_period()->set_nanoseconds(500'000'000);
  CHECK(overridden.kill(&policy, 7s)->grace == 500ms);
  Task shutdown = counting_task();
  shutdown.launch(task_info(2'000'000'000));
  CHECK(shutdown.shutdown(1s)->grace == 1s);
  Task ended = counting_task();
  ended.launch(task_info());
  ended.container_exited({exited(0), false}, 0);
  CHECK_FALSE(ended.kill(nullptr, 7s));
}

namespace {

mesos::FrameworkInfo framework(bool task_killing_state) {
  mesos::FrameworkInfo info;
  info.add_capabilities()->set_type(mesos::FrameworkInfo::Capability::REVOCABLE_RESOURCES);
  if (task_killing_state) info.add_capabilities()->set_type(mesos::FrameworkInfo::Capability::TASK_KILLING_STATE);
  return info;
}

}  // namespace

TEST_CASE("TASK_KILLING first, for a framework with the capability, on KILL and SHUTDOWN") {
  for (bool shutdown : {false, true}) {
    Task task = counting_task();
    task.subscribed(framework(true));
    task.launch(task_info());
    auto stop = shutdown ? task.shutdown(1s) : task.kill(nullptr, 1s);
    REQUIRE(stop);
    REQUIRE(stop->updates.size() == 1);
    CHECK(stop->updates[0].state() == mesos::TASK_KILLING);
    CHECK(stop->updates[0].task_id().value() == "task-1");
    CHECK(stop->updates[0].uuid() == "2");
    CHECK_FALSE(dc::executor::is_terminal(mesos::TASK_KILLING));
    CHECK(task.unacknowledged().unacknowledged_updates_size() == 2);
    CHECK_FALSE(task.kill(nullptr, 1s));
    CHECK(task.container_exited({SIGTERM, false}, 0).at(0).state() == mesos::TASK_KILLED);
  }
}

TEST_CASE("no TASK_KILLING without the capability, nor before LAUNCH") {
  Task without = counting_task();
  without.subscribed(framework(false));
  without.launch(task_info());
  CHECK(without.kill(nullptr, 1s)->updates.empty());
  Task early = counting_task();
  early.subscribed(framework(true));
  CHECK(early.shutdown(1s)->updates.empty());
}

TEST_CASE("TASK_RUNNING tells the container's network as Mesos's docker executor does") {
  Task task = counting_task();
  auto info = task_info();
  auto* network = info.mutable_container()->add_network_infos();
  network->set_name("web-net");
  network->add_ip_addresses()->set_protocol(mesos::NetworkInfo::IPv4);
  auto* label = network->mutable_labels()->add_labels();
  label->set_key("team");
  label->set_value("web");
  const auto running = task.launch(info, {"172.18.0.5", R"([{"Id": "abc"}])"}).at(0);
  CHECK(running.data() == R"([{"Id": "abc"}])");
  REQUIRE(running.container_status().network_infos_size() == 1);
  const auto& reported = running.container_status().network_infos(0);
  CHECK(reported.name() == "web-net");
  CHECK(reported.labels().labels(0).value() == "web");
  REQUIRE(reported.ip_addresses_size() == 1);
  CHECK(reported.ip_addresses(0).ip_address() == "172.18.0.5");
  CHECK_FALSE(reported.ip_addresses(0).has_protocol());
  REQUIRE(running.labels().labels_size() == 1);
  CHECK(running.labels().labels(0).key() == "Docker.NetworkSettings.IPAddress");
  CHECK(running.labels().labels(0).value() == "172.18.0.5");
}

TEST_CASE("TASK_RUNNING on a bridge without the task's NetworkInfo, and on host networking") {
  Task bridged = counting_task();
  const auto running = bridged.launch(task_info(), {"172.17.0.3", "[{}]"}).at(0);
  REQUIRE(running.container_status().network_infos_size() == 1);
  CHECK_FALSE(running.container_status().network_infos(0).has_name());
  CHECK(running.container_status().network_infos(0).ip_addresses(0).ip_address() == "172.17.0.3");
  Task host = counting_task();
  const auto on_host = host.launch(task_info(), {"", "[{}]"}).at(0);
  CHECK(on_host.data() == "[{}]");
  CHECK_FALSE(on_host.has_container_status());
  CHECK_FALSE(on_host.has_labels());
}

TEST_CASE("health: TASK_RUNNING with healthy and the container's network, until a kill begins") {
  Task task = counting_task();
  CHECK(task.health(true).empty());  // before LAUNCH
  task.launch(task_info(), {"172.17.0.9", "[{}]"});
  const auto healthy = task.health(true);
  REQUIRE(healthy.size() == 1);
  CHECK(healthy[0].state() == mesos::TASK_RUNNING);
  CHECK(healthy[0].healthy());
  CHECK(healthy[0].container_status().network_infos(0).ip_addresses(0).ip_address() == "172.17.0.9");
  CHECK_FALSE(healthy[0].has_data());
  CHECK_FALSE(task.health(false).at(0).healthy());
  const auto stop = task.unhealthy("health check `x` failed 3 times in a row, the last: exit status 1", 7s);
  REQUIRE(stop);
  CHECK(stop->grace == 7s);
  CHECK(task.health(false).empty());
  CHECK_FALSE(task.unhealthy("again", 7s));
  const auto end = task.container_exited({SIGTERM, false}, 0).at(0);
  CHECK(end.state() == mesos::TASK_KILLED);
  REQUIRE(end.has_healthy());
  CHECK_FALSE(end.healthy());
  CHECK(end.message() ==
        "Command terminated by signal 15 (Terminated); health check `x` failed 3 times in a row, the last: exit status 1");
}

TEST_CASE("a task a KILL ended carries no healthy field; a health kill after it changes nothing") {
  Task task = counting_task();
  task.launch(task_info());
  task.health(true);
  REQUIRE(task.kill(nullptr, 1s));
  CHECK_FALSE(task.unhealthy("too late", 1s));
  const auto end = task.container_exited({SIGTERM, false}, 0).at(0);
  CHECK_FALSE(end.has_healthy());
  CHECK(end.message() == "Command terminated by signal 15 (Terminated)");
}

TEST_CASE("an OOM kill: TASK_FAILED with the memory reason and message") {
  Task task = counting_task();
  task.launch(task_info());
  auto update = task.container_exited({SIGKILL, true}, 64ull << 20);
  CHECK(update.at(0).state() == mesos::TASK_FAILED);
  CHECK(update.at(0).reason() == mesos::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY);
  CHECK_THAT(update.at(0).message(), Contains("Memory limit exceeded: limit 64 MiB"));
}

TEST_CASE("a container that ends before LAUNCH: both updates at LAUNCH") {
  Task task = counting_task();
  CHECK(task.container_exited({exited(1), false}, 0).empty());
  auto updates = task.launch(task_info());
  REQUIRE(updates.size() == 2);
  CHECK(updates[0].state() == mesos::TASK_RUNNING);
  CHECK(updates[1].state() == mesos::TASK_FAILED);
}

TEST_CASE("SUBSCRIBE carries the unacknowledged updates, and the task until one is acknowledged") {
  Task task = counting_task();
  CHECK(task.unacknowledged().unacknowledged_updates_size() == 0);
  task.launch(task_info());
  auto subscribe = task.unacknowledged();
  CHECK(subscribe.unacknowledged_updates_size() == 1);
  REQUIRE(subscribe.unacknowledged_tasks_size() == 1);
  CHECK(subscribe.unacknowledged_tasks(0).task_id().value() == "task-1");
  task.container_exited({exited(0), false}, 0);
  task.acknowledged("1");
  subscribe = task.unacknowledged();
  REQUIRE(subscribe.unacknowledged_updates_size() == 1);
  CHECK(subscribe.unacknowledged_updates(0).status().state() == mesos::TASK_FINISHED);
  CHECK(subscribe.unacknowledged_tasks_size() == 0);
  task.acknowledged("unknown");
  CHECK_FALSE(task.done());
}

namespace {

using dc::executor::Outbox;

mesos::TaskStatus update(const std::string& uuid, mesos::TaskState state) {
  mesos::TaskStatus status;
  status.set_uuid(uuid);
  status.set_state(state);
  return status;
}

}  // namespace

TEST_CASE("outbox: in order, each retried with a doubling backoff until accepted") {
  Outbox outbox;
  const auto t0 = Outbox::Clock::now();
  CHECK_FALSE(outbox.pick(t0));
  CHECK_FALSE(outbox.next());
  outbox.add(update("1", mesos::TASK_RUNNING));
  outbox.add(update("2", mesos::TASK_FINISHED));
  REQUIRE(outbox.pick(t0));
  CHECK(outbox.pick(t0)->uuid() == "1");
  CHECK(outbox.attempted("1", false, t0) == 1);
  // The failed one waits its backoff, and the one behind it waits too.
  CHECK_FALSE(outbox.pick(t0));
  CHECK(outbox.next() == t0 + Outbox::kFirstBackoff);
  CHECK(outbox.pick(t0 + Outbox::kFirstBackoff)->uuid() == "1");
  outbox.attempted("1", false, t0);
  CHECK(outbox.next() == t0 + 2 * Outbox::kFirstBackoff);
  for (int i = 0; i < 10; ++i) outbox.attempted("1", false, t0);
  CHECK(outbox.next() == t0 + Outbox::kMaxBackoff);
  CHECK(outbox.attempted("1", true, t0) == 13);
  CHECK(outbox.pick(t0)->uuid() == "2");
  outbox.attempted("2", true, t0);
  CHECK_FALSE(outbox.pick(t0));
  CHECK(outbox.updates().size() == 2);
}

TEST_CASE("outbox: accepted but not acknowledged, all go again; acknowledged, forgotten") {
  Outbox outbox;
  const auto t0 = Outbox::Clock::now();
  outbox.add(update("1", mesos::TASK_RUNNING));
  outbox.add(update("2", mesos::TASK_FAILED));
  outbox.attempted("1", true, t0);
  outbox.attempted("2", true, t0);
  CHECK(outbox.next() == t0 + Outbox::kResend);
  CHECK_FALSE(outbox.pick(t0 + Outbox::kResend - std::chrono::milliseconds(1)));
  CHECK(outbox.pick(t0 + Outbox::kResend)->uuid() == "1");
  CHECK(outbox.acknowledge("1"));
  CHECK_FALSE(outbox.acknowledge("1"));
  CHECK(outbox.pick(t0 + Outbox::kResend)->uuid() == "2");
  CHECK(outbox.attempted("gone", true, t0) == 0);
  CHECK(outbox.acknowledge("2"));
  CHECK(outbox.empty());
}

TEST_CASE("outbox: a SUBSCRIBE carries every update, which then counts as accepted") {
  Outbox outbox;
  const auto t0 = Outbox::Clock::now();
  outbox.add(update("1", mesos::TASK_FINISHED));
  outbox.attempted("1", false, t0);
  outbox.subscribed(t0);
  CHECK_FALSE(outbox.pick(t0));
  CHECK(outbox.next() == t0 + Outbox::kResend);
}

TEST_CASE("the agent's process id for its health endpoint comes from MESOS_SLAVE_PID") {
  dc::Environment environment = {{"MESOS_AGENT_ENDPOINT", "127.0.0.1:5051"},
                                 {"MESOS_FRAMEWORK_ID", "fw"},
                                 {"MESOS_EXECUTOR_ID", "ex"}};
  CHECK(dc::executor::config_from(environment).agent_process == "slave(1)");
  environment["MESOS_SLAVE_PID"] = "slave(2)@127.0.0.1:5051";
  CHECK(dc::executor::config_from(environment).agent_process == "slave(2)");
  environment["MESOS_SLAVE_PID"] = "../x?y@127.0.0.1:5051";
  CHECK(dc::executor::config_from(environment).agent_process == "slave(1)");
}
