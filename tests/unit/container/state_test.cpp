// The state directory's records: reading one that cannot be read, whose
// record it is, and a lock another call keeps too long.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "container/state.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

// A state directory holding container `id` with `record` as its record.json.
struct StateDir {
  fs::path root = fs::temp_directory_path() / ("dc-state-test." + std::to_string(::getpid()));
  dc::state::Store store{root.string()};
  StateDir(const std::string& id, const std::string& record) {
    fs::create_directories(store.dir(id));
    std::ofstream(store.dir(id) + "/record.json") << record;
  }
  ~StateDir() { fs::remove_all(root); }
};

}  // namespace

TEST_CASE("a record that cannot be read is a CorruptRecord") {
  for (const char* text : {"", "{\"container_id\": 42", "[]", "{\"pid\": \"x\"}"}) {
    StateDir state("c1", text);
    CHECK_THROWS_AS(dc::state::Locked::open(state.store, "c1"), dc::state::CorruptRecord);
    CHECK_FALSE(state.store.peek("c1"));
    const std::string aside = state.store.set_aside("c1");
    CHECK_THAT(aside, Contains("/containers/.corrupt-c1."));
    CHECK(fs::exists(aside + "/record.json"));
    CHECK(state.store.ids().empty());
  }
}

TEST_CASE("a record is this agent's when it names the same work directory") {
  dc::state::Record record;
  record.work_directory = "/var/lib/mesos/a";
  CHECK(dc::state::ours(record, "/var/lib/mesos/a"));
  CHECK_FALSE(dc::state::ours(record, "/var/lib/mesos/b"));
}

TEST_CASE("a lock kept past the timeout fails, naming its holder") {
  StateDir state("c1", "{}");
  const int held = ::open(state.store.dir("c1").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(::flock(held, LOCK_EX) == 0);
  CHECK_THROWS_WITH(dc::state::Locked::open(state.store, "c1", true, 1),
                    Contains("within 1 s: held by pid " + std::to_string(::getpid())));
  CHECK_THROWS_WITH(dc::state::Locked::open(state.store, "c1", false, 1), Contains("held by pid"));
  ::close(held);
  CHECK(dc::state::Locked::open(state.store, "c1", true, 1).has_value());
}

TEST_CASE("shared locks take turns with an exclusive one, never with each other") {
  StateDir state("c1", "{}");
  {
    auto reader = dc::state::Locked::open(state.store, "c1", false, 1);
    REQUIRE(reader);
    CHECK(dc::state::Locked::open(state.store, "c1", false, 1).has_value());
    CHECK_THROWS_WITH(dc::state::Locked::open(state.store, "c1", true, 1), Contains("held by pid"));
  }
  auto writer = dc::state::Locked::open(state.store, "c1", true, 1);
  REQUIRE(writer);
  CHECK_THROWS_WITH(dc::state::Locked::open(state.store, "c1", false, 1), Contains("held by pid"));
  writer->release();
  CHECK(dc::state::Locked::open(state.store, "c1", true, 1).has_value());
}

TEST_CASE("a record saved under the lock is what the next lock reads; a removed one is gone") {
  StateDir state("c1", "{}");
  {
    auto locked = dc::state::Locked::open(state.store, "c1");
    REQUIRE(locked);
    locked->record().name = "mesos-c1";
    locked->save();
  }
  CHECK(dc::state::Locked::open(state.store, "c1")->record().name == "mesos-c1");
  dc::state::Locked::open(state.store, "c1")->remove();
  CHECK_FALSE(dc::state::Locked::open(state.store, "c1"));
  CHECK(state.store.ids().empty());
}

TEST_CASE("record.json: the keys on disk, and an older record's missing keys read as defaults") {
  const std::string text = dc::state::to_json(dc::state::Record{});
  CHECK(text ==
        "{\n \"agent_gone\": false,\n \"cfs\": false,\n \"container_id\": \"\",\n \"cpus\": 0.0,\n"
        " \"delivered\": false,\n \"destroying\": false,\n \"docker_id\": \"\",\n \"ended_at\": 0.0,\n"
        " \"executor_id\": \"\",\n \"framework_id\": \"\",\n \"image\": \"\",\n \"image_digest\": \"\",\n"
        " \"image_id\": \"\",\n \"ip\": \"\",\n \"mem_bytes\": 0,\n \"mesos_executor\": false,\n \"name\": \"\",\n"
        " \"network\": \"\",\n"
        " \"override_mode\": false,\n \"pid\": 0,\n \"ports\": [],\n \"removed\": false,\n \"sandbox\": \"\",\n"
        " \"slave_id\": \"\",\n \"supervisor_pid\": 0,\n \"supervisor_start\": 0,\n \"task_id\": \"\",\n"
        " \"waiter_pid\": 0,\n \"work_directory\": \"\"\n}\n");
  const auto old = dc::state::from_json("{\"container_id\": \"c1\", \"pid\": 42}");
  CHECK(old.container_id == "c1");
  CHECK(old.pid == 42);
  CHECK(old.image.empty());
  CHECK(old.ports.empty());
  CHECK_FALSE(old.termination);
}
