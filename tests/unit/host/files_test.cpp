// dc::files: opening what a container may have replaced (a link, a FIFO, a
// directory, a device) under a trusted directory, and bounded reads; the
// reader of trusted paths (read_file); and dc::log::escaped, which keeps each
// framework string on its log line.
#include "host/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "base/error.hpp"
#include "base/log.hpp"
#include "helpers.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using dc::files::open_beneath;
using dc::files::read_beneath;
using dc::files::read_file;

namespace {

// A fresh directory, removed with the object; `outside` is a file beside it.
struct Dir {
  Dir() {
    char tmpl[] = "/tmp/dc-files-test.XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    path = tmpl;
    fs::create_directory(path / "in");
    std::ofstream(path / "outside") << "the host's own line\n";
  }
  ~Dir() { fs::remove_all(path); }
  std::string in() const { return (path / "in").string(); }
  std::string outside() const { return (path / "outside").string(); }
  fs::path path;
};

}  // namespace

TEST_CASE("a regular file is read whole, an absent one is nullopt") {
  Dir d;
  std::ofstream(d.in() + "/exit") << "status 0\n";
  CHECK(read_beneath(d.in(), "exit", 100) == std::optional<std::string>("status 0\n"));
  CHECK_FALSE(read_beneath(d.in(), "nothing", 100));
}

TEST_CASE("a link, a FIFO, a directory and a device are refused, naming what they are") {
  Dir d;
  fs::create_symlink(d.outside(), d.in() + "/link");
  fs::create_symlink("/dev/zero", d.in() + "/zero");
  REQUIRE(::mkfifo((d.in() + "/fifo").c_str(), 0644) == 0);
  fs::create_directory(d.in() + "/dir");
  CHECK_THROWS_WITH(read_beneath(d.in(), "link", 100), Contains("link: a symbolic link"));
  CHECK_THROWS_WITH(read_beneath(d.in(), "zero", 100), Contains("a symbolic link"));
  // Without a writer, opening the FIFO for reading would block for ever.
  CHECK_THROWS_WITH(read_beneath(d.in(), "fifo", 100), Contains("fifo: a FIFO"));
  CHECK_THROWS_WITH(read_beneath(d.in(), "dir", 100), Contains("dir: a directory"));
  CHECK_THROWS_WITH(read_beneath("/dev", "null", 100), Contains("a device"));
  CHECK_THROWS_WITH(open_beneath(d.in(), "link", O_WRONLY | O_APPEND), Contains("a symbolic link"));
  CHECK_THROWS_WITH(open_beneath(d.in(), "fifo", O_WRONLY | O_APPEND), Contains("a FIFO"));
}

TEST_CASE("no component below the directory is followed, nor ..") {
  Dir d;
  fs::create_directory(d.path / "elsewhere");
  std::ofstream(d.path / "elsewhere" / "config.json") << "{}";
  fs::create_directory_symlink(d.path / "elsewhere", d.in() + "/.docker");
  CHECK_THROWS(read_beneath(d.in(), ".docker/config.json", 100));
  CHECK_THROWS_WITH(read_beneath(d.in(), "../outside", 100), Contains("not a plain path"));
  CHECK_THROWS(read_beneath(d.in(), "/etc/passwd", 100));
}

TEST_CASE("a read is bounded") {
  Dir d;
  std::ofstream(d.in() + "/big") << std::string(101, 'x');
  CHECK_THROWS_WITH(read_beneath(d.in(), "big", 100), Contains("larger than 100 bytes"));
  CHECK(read_beneath(d.in(), "big", 101)->size() == 101);
}

TEST_CASE("read_file: a trusted path read whole, through a link; an absent one is nullopt") {
  Dir d;
  const std::string big(100000, 'x');  // more than one read's first buffer
  std::ofstream(d.in() + "/record.json") << big;
  fs::create_symlink(d.in() + "/record.json", d.in() + "/link");
  CHECK(read_file(d.in() + "/record.json", big.size()) == big);
  CHECK(read_file(d.in() + "/link", big.size()) == big);
  std::ofstream(d.in() + "/empty");
  CHECK(read_file(d.in() + "/empty", 0) == std::optional<std::string>(""));
  CHECK_FALSE(read_file(d.in() + "/nothing", 100));
  fs::create_symlink(d.path / "gone", d.in() + "/dangling");
  CHECK_FALSE(read_file(d.in() + "/dangling", 100));
}

TEST_CASE("read_file reads a /proc file, which says it is empty, to its end") {
  struct stat st;
  REQUIRE(::stat("/proc/self/stat", &st) == 0);
  REQUIRE(st.st_size == 0);
  const auto stat = read_file("/proc/self/stat", 64 << 10);
  REQUIRE(stat);
  CHECK_THAT(*stat, Contains(std::to_string(::getpid()) + " ("));
  CHECK(stat->back() == '\n');
  const auto maps = read_file("/proc/self/maps", 16 << 20);
  REQUIRE(maps);
  CHECK(maps->size() > 4096);  // beyond one page, which a single read returns
}

TEST_CASE("read_file is bounded") {
  Dir d;
  std::ofstream(d.in() + "/big") << std::string(101, 'x');
  CHECK_THROWS_WITH(read_file(d.in() + "/big", 100), Contains(d.in() + "/big: larger than 100 bytes"));
  CHECK(read_file(d.in() + "/big", 101)->size() == 101);
  CHECK_THROWS_WITH(read_file("/proc/self/maps", 10), Contains("/proc/self/maps: larger than 10 bytes"));
}

TEST_CASE("read_file refuses a FIFO without blocking, a directory and a device") {
  Dir d;
  const std::string fifo = d.in() + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  // No writer: a blocking open would wait for one for ever.
  CHECK_THROWS_WITH(read_file(fifo, 100), Contains(fifo + ": a FIFO"));
  // A writer that never writes: a blocking read would wait for ever.
  dc::files::Fd writer(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));
  REQUIRE(writer.get() >= 0);
  CHECK_THROWS_WITH(read_file(fifo, 100), Contains(fifo + ": a FIFO"));
  CHECK_THROWS_WITH(read_file(d.in(), 100), Contains(d.in() + ": a directory"));
  CHECK_THROWS_WITH(read_file("/dev/null", 100), Contains("/dev/null: a device"));
  // For the callers to whom unreadable is as good as absent.
  CHECK_FALSE(dc::files::try_read_file(d.in(), 100));
  CHECK_FALSE(dc::files::try_read_file(fifo, 100));
}

TEST_CASE("read_file takes a pipe where asked: the operator's --secret-file <(...)") {
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  dc::files::Fd reader(ends[0]);
  {
    dc::files::Fd writer(ends[1]);
    REQUIRE(::write(writer.get(), "secret\n", 7) == 7);
  }  // closed: the read ends at EOF
  const std::string path = "/proc/self/fd/" + std::to_string(reader.get());
  CHECK(read_file(path, 100, dc::files::Also::pipe) == "secret\n");
  CHECK_THROWS_WITH(read_file(path, 100), Contains(": a FIFO"));
}

TEST_CASE("O_CREAT makes a missing file, appends to a regular one, and never writes through a link") {
  Dir d;
  {
    auto fd = open_beneath(d.in(), "stderr", O_WRONLY | O_CREAT | O_APPEND, 0640);
    REQUIRE(::write(fd.get(), "one\n", 4) == 4);
  }
  struct stat st;
  REQUIRE(::stat((d.in() + "/stderr").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  {
    auto fd = open_beneath(d.in(), "stderr", O_WRONLY | O_CREAT | O_APPEND);
    REQUIRE(::write(fd.get(), "two\n", 4) == 4);
  }
  CHECK(dc_test::slurp(d.in() + "/stderr") == "one\ntwo\n");
  fs::create_symlink(d.outside(), d.in() + "/stdout");
  fs::create_symlink(d.path / "dangling", d.in() + "/dangling");
  CHECK_THROWS(open_beneath(d.in(), "stdout", O_WRONLY | O_CREAT | O_APPEND));
  CHECK_THROWS(open_beneath(d.in(), "dangling", O_WRONLY | O_CREAT | O_APPEND));
  CHECK(dc_test::slurp(d.outside()) == "the host's own line\n");
  CHECK_FALSE(fs::exists(d.path / "dangling"));
}

TEST_CASE("log lines escape every control character of a framework string") {
  using dc::log::escaped;
  CHECK(escaped("plain text, ünïcode") == "plain text, ünïcode");
  CHECK(escaped("true\n* * * * * root cmd\n") == "true\\n* * * * * root cmd\\n");
  CHECK(escaped("a\rb\tc\\d") == "a\\rb\\tc\\\\d");
  CHECK(escaped(std::string("\x1b[31mred\x7f\0z", 11)) == "\\x1b[31mred\\x7f\\x00z");
  // C1 controls (NEL, CSI) and the Unicode line and paragraph separators.
  CHECK(escaped("a\xc2\x85" "b\xc2\x9b" "c\xe2\x80\xa8" "d\xe2\x80\xa9") ==
        "a\\u{0085}b\\u{009b}c\\u{2028}d\\u{2029}");
  // Truncated sequences at the end stay as they are.
  CHECK(escaped("x\xc2") == "x\xc2");
  CHECK(escaped("x\xe2\x80") == "x\xe2\x80");
}
