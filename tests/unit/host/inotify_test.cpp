// dc::inotify: a wait wakes on a file renamed into a watched directory, and
// hears its name; nothing is queued once drained.
#include "host/inotify.hpp"

#include <poll.h>
#include <sys/inotify.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace fs = std::filesystem;

namespace {

bool readable(int fd) {
  struct pollfd ready = {fd, POLLIN, 0};
  return ::poll(&ready, 1, 0) == 1;
}

}  // namespace

TEST_CASE("Watches: a rename into the directory wakes the poll and is drained by name") {
  char tmpl[] = "/tmp/dc-inotify-test.XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  const fs::path dir = tmpl;
  {
    dc::inotify::Watches watches;
    REQUIRE(watches.fd() >= 0);
    const int wd = watches.add(dir.string(), IN_MOVED_TO);
    REQUIRE(wd >= 0);
    CHECK(watches.add((dir / "missing").string(), IN_MOVED_TO) == -1);
    CHECK_FALSE(readable(watches.fd()));

    std::ofstream(dir / "record.json.tmp") << "{}";
    CHECK_FALSE(readable(watches.fd()));  // a write is not a rename
    fs::rename(dir / "record.json.tmp", dir / "record.json");
    REQUIRE(readable(watches.fd()));

    std::vector<std::string> names;
    watches.drain([&](int event_wd, uint32_t mask, const std::string& name) {
      CHECK(event_wd == wd);
      CHECK((mask & IN_MOVED_TO));
      names.push_back(name);
    });
    CHECK(names == std::vector<std::string>{"record.json"});
    CHECK_FALSE(readable(watches.fd()));
    watches.drain();  // nothing left: returns at once
  }
  fs::remove_all(dir);
}
