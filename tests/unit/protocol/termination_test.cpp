// How an ending is reported (dc::termination), the record it is kept in
// (dc::state JSON), and the small pure helpers dc::resources and dc::ids.
#include "protocol/termination.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "base/error.hpp"
#include "codec/text.hpp"
#include "container/sample_record.hpp"
#include "container/state.hpp"
#include "plan/resources.hpp"
#include "protocol/naming.hpp"

using Catch::Matchers::Contains;
namespace termination = dc::termination;

namespace {

constexpr int kExit3 = 3 << 8;  // waitpid status of `exit 3`
constexpr int kKilled = 9;      // waitpid status of death by SIGKILL

}  // namespace

// ------------------------------------------------------------ status file

TEST_CASE("parse_status_file reads the init's waitpid status") {
  auto [text, status] = GENERATE(table<std::string, int>({
      {"status 768\noom_kill 0\n", kExit3},
      {"status 0\n", 0},
      {"status 15\noom_kill 0\n", 15},
      {"oom_kill 0\nstatus 256\n", 256},  // any order
      {"status 256\nfuture_key 7\n", 256},  // unknown keys are skipped
  }));
  CAPTURE(text);
  const auto exit = termination::parse_status_file(text);
  REQUIRE(exit);
  CHECK(exit->status == status);
  CHECK_FALSE(exit->oom);
}

TEST_CASE("parse_status_file reports an OOM kill of any process in the container") {
  auto [text, oom, kills] = GENERATE(table<std::string, bool, long>({
      {"status 9\noom_kill 1\n", true, 1},
      {"status 9\noom_kill 3\n", true, 3},
      {"status 9\noom_kill 0\n", false, 0},
      {"status 9\n", false, 0},
      {"status 9\noom_kill -1\n", false, 0},  // the init could not read the counter
      {"status 15\noom_kill 1\n", true, 1},
      {"status 35072\noom_kill 1\n", true, 1},  // a shell exiting 137 after its child's OOM kill
      {"status 0\noom_kill 2\n", true, 2},
  }));
  CAPTURE(text);
  const auto exit = termination::parse_status_file(text);
  REQUIRE(exit);
  CHECK(exit->oom == oom);
  CHECK(std::max(exit->oom_kills, 0L) == kills);
}

TEST_CASE("parse_status_file refuses malformed files") {
  const std::string text = GENERATE(as<std::string>{}, "", "\n", "oom_kill 1\n", "status\n", "status abc\n",
                                    "status 9\noom_kill\n", "garbage");
  CAPTURE(text);
  CHECK_FALSE(termination::parse_status_file(text));
}

// ------------------------------------------------------------- from docker

TEST_CASE("from_docker turns docker's exit code into a waitpid status") {
  auto [code, status] = GENERATE(table<int, int>({
      {0, 0}, {3, kExit3}, {1, 1 << 8}, {128, 128 << 8},  // 128 is no signal
      {129, 1}, {137, kKilled}, {143, 15}, {255, 255 << 8},  // 255: 127 is beyond any signal
  }));
  CAPTURE(code);
  CHECK(termination::from_docker(code, false).status == status);
  CHECK_FALSE(termination::from_docker(code, false).oom);
}

TEST_CASE("from_docker keeps docker's OOMKilled") {
  const auto exit = termination::from_docker(137, true);
  CHECK(exit.status == kKilled);
  CHECK(exit.oom);
}

// --------------------------------------------------------- describe, make

TEST_CASE("describe says how a status ended") {
  CHECK(termination::describe(kExit3) == "exited with status 3");
  CHECK(termination::describe(0) == "exited with status 0");
  CHECK(termination::describe(kKilled) == "terminated by signal 9 (Killed)");
  CHECK(termination::describe(15) == "terminated by signal 15 (Terminated)");
}

TEST_CASE("make reports an exit in waitpid form, fields 1 to 3 always set") {
  const auto t = termination::make({kExit3, false}, false, 128ull << 20);
  CHECK(t.status() == 768);
  // 0.20 agents refuse a Termination without `killed` and `message`.
  CHECK(t.has_killed());
  CHECK_FALSE(t.killed());
  CHECK(t.message() == "Container exited with status 3");
  CHECK_FALSE(t.has_state());
  CHECK(t.reasons_size() == 0);
  const std::string bytes = t.SerializeAsString();
  CHECK(bytes.substr(0, 2) == std::string("\x08\x00", 2));  // field 1, false, on the wire
}

TEST_CASE("make reports a destroy as killed") {
  const auto t = termination::make({kKilled, false}, true, 0);
  CHECK(t.killed());
  CHECK(t.status() == kKilled);
  CHECK(t.message() == "Container destroyed: it terminated by signal 9 (Killed)");
  CHECK_FALSE(t.has_state());
}

TEST_CASE("make reports an OOM as a memory limitation") {
  const auto t = termination::make({kKilled, true}, false, 32ull << 20);
  CHECK(t.killed());
  CHECK(t.status() == kKilled);
  CHECK(t.message() == "Memory limit exceeded: limit 32 MiB, container terminated by signal 9 (Killed)");
  CHECK(t.state() == mesos::TASK_FAILED);
  REQUIRE(t.reasons_size() == 1);
  CHECK(t.reasons(0) == mesos::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY);

  CHECK_THAT(termination::make({kKilled, true}, false, 0).message(), Contains("limit unknown"));
}

TEST_CASE("make reports a non-zero end after any OOM kill as a memory limitation") {
  // `head -c 100000000 /dev/zero | tail`: the kernel kills tail, the shell exits 137.
  const auto t = termination::make({137 << 8, true, 1}, false, 32ull << 20);
  CHECK(t.killed());
  CHECK(t.status() == 137 << 8);
  CHECK(t.message() == "Memory limit exceeded: limit 32 MiB, container exited with status 137");
  CHECK(t.state() == mesos::TASK_FAILED);
  REQUIRE(t.reasons_size() == 1);
  CHECK(t.reasons(0) == mesos::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY);
  // docker's OOMKilled for a container whose init exited 1.
  CHECK(termination::make(termination::from_docker(1, true), false, 32ull << 20).has_state());
}

TEST_CASE("make reports a success after an OOM kill as a success that counts it") {
  const auto t = termination::make({0, true, 2}, false, 32ull << 20);
  CHECK_FALSE(t.killed());
  CHECK(t.status() == 0);
  CHECK(t.message() == "Container exited with status 0 after 2 OOM kill(s) in the container");
  CHECK_FALSE(t.has_state());
  CHECK(t.reasons_size() == 0);
}

TEST_CASE("exit_code mirrors a status as a shell would") {
  CHECK(termination::exit_code(kExit3) == 3);
  CHECK(termination::exit_code(0) == 0);
  CHECK(termination::exit_code(kKilled) == 137);
  CHECK(termination::exit_code(15) == 143);
  // And back again through docker's convention.
  for (int status : {0, kExit3, kKilled, 15})
    CHECK(termination::from_docker(termination::exit_code(status), false).status == status);
}

// ------------------------------------------------------------ state JSON

namespace {

dc::state::Record full_record() {
  dc::state::Record r =
      dc_test::sample_task_record("dce23285-dc9c-40e6-b249-56f6c21562b5-S3", "739d0e80-66a3-4cf4-98ea-d0fad73c2a29");
  r.work_directory = "/var/lib/mesos";
  r.sandbox = "/var/lib/mesos/slaves/S3/runs/739d0e80 \"quoted\", \\ and \xc3\xa9";
  r.docker_id = "daed304e02f3dd89de733a934c0dbc90978cb7beb43dde03dfaae64949222d5f";
  r.override_mode = true;
  r.mesos_executor = true;
  r.cpus = 0.6;
  r.mem_bytes = std::numeric_limits<uint64_t>::max();  // beyond a double's exact range
  r.cfs = true;
  r.pid = 4242;
  r.cgroups = dc::cgroups::Paths{false, "", "/sys/fs/cgroup/cpu/docker/x", "/sys/fs/cgroup/cpuacct/docker/x",
                                 "/sys/fs/cgroup/memory/docker/x", "/sys/fs/cgroup/pids/docker/x"};
  r.supervisor_pid = 4243;
  r.destroying = true;
  r.ended_at = 1700000000.125;
  r.removed = true;
  r.delivered = true;
  r.termination = termination::make({kKilled, true}, false, 160ull << 20);
  return r;
}

void check_same(const dc::state::Record& a, const dc::state::Record& b) {
  CHECK(a.container_id == b.container_id);
  CHECK(a.slave_id == b.slave_id);
  CHECK(a.name == b.name);
  CHECK(a.work_directory == b.work_directory);
  CHECK(a.sandbox == b.sandbox);
  CHECK(a.docker_id == b.docker_id);
  CHECK(a.image_id == b.image_id);
  CHECK(a.image_digest == b.image_digest);
  CHECK(a.image == b.image);
  CHECK(a.framework_id == b.framework_id);
  CHECK(a.executor_id == b.executor_id);
  CHECK(a.task_id == b.task_id);
  CHECK(a.network == b.network);
  CHECK(a.ip == b.ip);
  CHECK(a.ports == b.ports);
  CHECK(a.override_mode == b.override_mode);
  CHECK(a.mesos_executor == b.mesos_executor);
  CHECK(a.cpus == b.cpus);
  CHECK(a.mem_bytes == b.mem_bytes);
  CHECK(a.cfs == b.cfs);
  CHECK(a.pid == b.pid);
  CHECK(a.supervisor_pid == b.supervisor_pid);
  CHECK(a.destroying == b.destroying);
  CHECK(a.ended_at == b.ended_at);
  CHECK(a.removed == b.removed);
  CHECK(a.delivered == b.delivered);
  REQUIRE(a.cgroups.has_value() == b.cgroups.has_value());
  if (a.cgroups) {
    CHECK(a.cgroups->v2 == b.cgroups->v2);
    CHECK(a.cgroups->unified == b.cgroups->unified);
    CHECK(a.cgroups->cpu == b.cgroups->cpu);
    CHECK(a.cgroups->cpuacct == b.cgroups->cpuacct);
    CHECK(a.cgroups->memory == b.cgroups->memory);
    CHECK(a.cgroups->pids == b.cgroups->pids);
  }
  REQUIRE(a.termination.has_value() == b.termination.has_value());
  if (a.termination) CHECK(dc::messages::to_text(*a.termination) == dc::messages::to_text(*b.termination));
}

}  // namespace

TEST_CASE("a record round trips through JSON with cgroups and termination") {
  const dc::state::Record record = full_record();
  check_same(dc::state::from_json(dc::state::to_json(record)), record);
}

TEST_CASE("a fresh record round trips without cgroups or termination") {
  dc::state::Record record;
  record.container_id = "c1";
  record.cgroups = dc::cgroups::Paths{true, "/sys/fs/cgroup/system.slice/docker-x.scope", "", "", "", ""};
  const auto back = dc::state::from_json(dc::state::to_json(record));
  check_same(back, record);
  CHECK_FALSE(back.termination);
}

TEST_CASE("a termination without state keeps it unset through JSON") {
  dc::state::Record record;
  record.termination = termination::make({kExit3, false}, false, 0);
  const auto back = dc::state::from_json(dc::state::to_json(record));
  REQUIRE(back.termination);
  CHECK_FALSE(back.termination->has_state());
  CHECK(back.termination->has_killed());
  CHECK(back.termination->status() == kExit3);
}

TEST_CASE("a record from an older version takes defaults for missing keys") {
  const auto r = dc::state::from_json(R"({"container_id": "c1", "pid": 7})");
  CHECK(r.container_id == "c1");
  CHECK(r.pid == 7);
  CHECK(r.cpus == 0);
  CHECK(r.network.empty());
  CHECK(r.ports.empty());
  CHECK_FALSE(r.cgroups);
  CHECK_FALSE(r.termination);
}

TEST_CASE("a record holding bytes that are not UTF-8 cannot be written: a dc::Error") {
  dc::state::Record record;
  record.task_id = "caf\xe9";
  CHECK_THROWS_AS(dc::state::to_json(record), dc::Error);
  CHECK_THROWS_WITH(dc::state::to_json(record), Contains("not valid UTF-8"));
}

TEST_CASE("a corrupt record is a dc::Error") {
  const std::string text = GENERATE(as<std::string>{}, "", "{", "not json", "[1, 2]", "\"text\"",
                                    R"({"cpus": "many"})", R"({"pid": "x"})", R"({"termination": 5})",
                                    R"({"cgroups": [1]})", R"({"termination": {"reasons": ["oom"]}})");
  CAPTURE(text);
  CHECK_THROWS_AS(dc::state::from_json(text), dc::Error);
  CHECK_THROWS_WITH(dc::state::from_json(text), Contains("corrupt record"));
}

// ------------------------------------------------------------- resources

namespace {

dc::resources::List resource_list(const std::string& text) {
  mesos::containerizer::Update update;
  dc::messages::parse_text("container_id { value: \"c\" } " + text, update);
  return update.resources();
}

}  // namespace

TEST_CASE("resources::add sums scalar cpus and mem only") {
  const auto list = resource_list(R"pb(
    resources { name: "cpus" type: SCALAR scalar { value: 0.5 } }
    resources { name: "cpus" type: SCALAR scalar { value: 0.25 } role: "web" }
    resources { name: "mem" type: SCALAR scalar { value: 128 } }
    resources { name: "disk" type: SCALAR scalar { value: 1024 } }
    resources { name: "ports" type: RANGES ranges { range { begin: 1 end: 2 } } }
    resources { name: "mem" type: SET set { item: "x" } }
  )pb");
  dc::resources::Allotment total;
  dc::resources::add(list, total);
  CHECK(total.cpus == 0.75);
  CHECK(total.mem_mib == 128);
  // Adding more accumulates.
  dc::resources::add(resource_list(R"(resources { name: "mem" type: SCALAR scalar { value: 32 } })"), total);
  CHECK(total.mem_mib == 160);
}

TEST_CASE("resources::add leaves absent resources unset") {
  dc::resources::Allotment total;
  dc::resources::add(resource_list(R"(resources { name: "disk" type: SCALAR scalar { value: 1 } })"), total);
  CHECK_FALSE(total.cpus);
  CHECK_FALSE(total.mem_mib);
}

TEST_CASE("resources::add refuses negative, infinite and NaN cpus or mem (found by the fuzzer)") {
  for (const std::string value : {"-1", "-3.46623e+28", "inf", "-inf", "nan"})
    for (const std::string name : {"cpus", "mem"}) {
      CAPTURE(name, value);
      dc::resources::Allotment total;
      CHECK_THROWS_WITH(dc::resources::add(resource_list("resources { name: \"" + name +
                                                         "\" type: SCALAR scalar { value: " + value + " } }"),
                                           total),
                        Contains("resource " + name + " has an invalid value"));
    }
}

TEST_CASE("cgroup values saturate instead of overflowing") {
  CHECK(dc::resources::memory_bytes(1e30) == static_cast<uint64_t>(INT64_MAX));
  CHECK(dc::resources::cpu_shares(1e30) == static_cast<uint64_t>(INT64_MAX));
  CHECK(dc::resources::cfs_quota_us(1e30) == static_cast<uint64_t>(INT64_MAX));
}

TEST_CASE("resources::has_port looks in every ports range, bounds included") {
  const auto list = resource_list(R"pb(
    resources { name: "ports" type: RANGES ranges { range { begin: 31000 end: 31009 } range { begin: 8080 end: 8080 } } }
    resources { name: "not-ports" type: RANGES ranges { range { begin: 1 end: 65535 } } }
  )pb");
  for (uint64_t port : {31000, 31005, 31009, 8080}) CHECK(dc::resources::has_port(list, port));
  for (uint64_t port : {30999, 31010, 8079, 8081, 80}) CHECK_FALSE(dc::resources::has_port(list, port));
  CHECK_FALSE(dc::resources::has_port({}, 80));
}

TEST_CASE("resources: cgroup values as Mesos derives them") {
  CHECK(dc::resources::cpu_shares(0) == 2);
  CHECK(dc::resources::cpu_shares(0.001) == 2);
  CHECK(dc::resources::cpu_shares(0.3) == 307);
  CHECK(dc::resources::cpu_shares(2) == 2048);
  CHECK(dc::resources::memory_bytes(0) == 32ull << 20);
  CHECK(dc::resources::memory_bytes(64) == 64ull << 20);
  CHECK(dc::resources::memory_bytes(0.5) == 32ull << 20);
  CHECK(dc::resources::cfs_quota_us(0.001) == 1000);
  CHECK(dc::resources::cfs_quota_us(0.3) == 30000);
  CHECK(dc::resources::cfs_quota_us(4) == 400000);
}

// ------------------------------------------------------------------- ids

TEST_CASE("ids: 1-128 characters of [A-Za-z0-9_.-], starting with a letter or digit") {
  for (const std::string good : {"a", "0", "c1", "739d0e80-66a3-4cf4-98ea-d0fad73c2a29", "S3.x_y-z", "a..b"})
    CHECK(dc::ids::valid(good));
  CHECK(dc::ids::valid(std::string(128, 'x')));
  for (const std::string bad : {"", ".", "..", ".x", "-x", "_x", "a/b", "a b", "a:b", "é", "a\n", "a;b", "$(x)", "a`b", "a|b", "a*"})
    CHECK_FALSE(dc::ids::valid(bad));
  CHECK_FALSE(dc::ids::valid(std::string(129, 'x')));
  CHECK_FALSE(dc::ids::valid(std::string("a\0b", 3)));
}

TEST_CASE("ids::validate names the kind and value it refuses") {
  CHECK_NOTHROW(dc::ids::validate("container id", "c1"));
  CHECK_THROWS_WITH(dc::ids::validate("container id", "../x"), Contains("invalid container id '../x'"));
  // A long value is cut short in the message.
  CHECK_THROWS_WITH(dc::ids::validate("slave id", std::string(300, '/')),
                    Contains("'" + std::string(64, '/') + "'"));
}

TEST_CASE("ids::container_name") {
  CHECK(dc::ids::container_name("S1", "c1") == "mesos-S1.c1");
  CHECK(dc::ids::container_name("", "c1") == "mesos-c1");
}
