// A container's end, where no engine is needed: the record settled once
// (container/settled.hpp) and what observing reads from the state
// directory (container/observed.hpp).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "container/observed.hpp"
#include "container/settled.hpp"

namespace fs = std::filesystem;
using dc::state::Locked;
using dc::state::Record;

namespace {

// A state directory with one container's record.
struct StateDir {
  fs::path root = fs::temp_directory_path() / ("dc-ending-test." + std::to_string(::getpid()));
  dc::state::Store store{root.string()};
  dc::Settings settings;
  explicit StateDir(Record record) {
    settings.state_dir = root.string();
    Locked::create(store, record).save(false);
  }
  ~StateDir() { fs::remove_all(root); }
};

Record record_of(const std::string& id) {
  Record record;
  record.container_id = id;
  record.name = "mesos-" + id;
  record.mem_bytes = 64 << 20;
  return record;
}

}  // namespace

TEST_CASE("settle records the Termination once: later calls get the recorded one") {
  StateDir state(record_of("c1"));
  auto first = Locked::open(state.store, "c1");
  REQUIRE(first);
  const auto recorded = dc::ending::settle(state.settings, *first, {0, false}, std::nullopt);
  CHECK(recorded.status() == 0);
  auto second = Locked::open(state.store, "c1");
  REQUIRE(second);
  REQUIRE(second->record().termination);
  CHECK(second->record().ended_at > 0);
  // Another end seen later changes nothing.
  const auto again = dc::ending::settle(state.settings, *second, {SIGKILL, false}, std::nullopt);
  CHECK(again.SerializeAsString() == recorded.SerializeAsString());
}

TEST_CASE("settle: the host executor's status stands for the container's, but not over an OOM kill") {
  for (const auto& [container, expected] : {std::pair{dc::termination::Exit{0, false}, 256},
                                            std::pair{dc::termination::Exit{SIGKILL, true}, int{SIGKILL}}}) {
    Record record = record_of("c2");
    record.override_mode = true;
    StateDir state(record);
    auto locked = Locked::open(state.store, "c2");
    REQUIRE(locked);
    CHECK(dc::ending::settle(state.settings, *locked, container, 256).status() == expected);
  }
}

TEST_CASE("delivered is noted only for a settled record") {
  StateDir state(record_of("c3"));
  dc::ending::delivered(state.settings, "c3");
  CHECK_FALSE(state.store.peek("c3")->delivered);
  {
    auto locked = Locked::open(state.store, "c3");
    dc::ending::settle(state.settings, *locked, {0, false}, std::nullopt);
  }
  dc::ending::delivered(state.settings, "c3");
  CHECK(state.store.peek("c3")->delivered);
  dc::ending::delivered(state.settings, "gone");  // no record: nothing, no throw
}

TEST_CASE("executor_status: the supervisor's file, else nothing while it may still write one") {
  StateDir state(record_of("c4"));
  const Record record = *state.store.peek("c4");
  CHECK_FALSE(dc::ending::executor_status(record, state.store));
  std::ofstream(dc::ending::executor_exit_file(state.store, "c4")) << "status 256\n";
  CHECK(dc::ending::executor_status(record, state.store) == 256);
}

TEST_CASE("init_alive: no pid, or a pid that is not the container's, is no init") {
  Record record = record_of("c5");
  CHECK_FALSE(dc::ending::init_alive(record));
  // This process runs, but not in a cgroup naming the container's docker id.
  record.pid = ::getpid();
  record.docker_id = "0123456789abcdef-not-a-container";
  CHECK_FALSE(dc::ending::init_alive(record));
}
