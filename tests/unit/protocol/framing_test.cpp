#include "protocol/framing.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/error.hpp"

using Catch::Matchers::Contains;
using dc::framing::frame;
using dc::framing::read_frame;
using dc::framing::write_frame;

namespace {

constexpr uint64_t kLimit = 1 << 20;

// A pipe whose ends close with the object, so a failing test leaks no fds.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read_end >= 0) ::close(read_end);
    read_end = -1;
  }
  void close_write() {
    if (write_end >= 0) ::close(write_end);
    write_end = -1;
  }
  // Writes `bytes` and, unless asked not to, closes the write end: a reader
  // then sees end of input after them (the agent never does, see below).
  void feed(const std::string& bytes, bool then_close = true) {
    REQUIRE(::write(write_end, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    if (then_close) close_write();
  }
  std::string drain() {
    std::string out;
    char buffer[256];
    for (ssize_t n; (n = ::read(read_end, buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<size_t>(n));
    return out;
  }
};

// An unlinked temporary file holding `bytes`, positioned at its start.
struct TempFile {
  int fd = -1;
  explicit TempFile(const std::string& bytes) {
    char path[] = "/tmp/dc-framing-XXXXXX";
    fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::unlink(path);
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
  }
  ~TempFile() { ::close(fd); }
};

// Four length bytes in host order, as the agent writes them.
std::string length_prefix(uint32_t length) { return std::string(reinterpret_cast<const char*>(&length), 4); }

std::string read_from_pipe(const std::string& bytes, uint64_t limit = kLimit) {
  Pipe pipe;
  pipe.feed(bytes);
  return read_frame(pipe.read_end, limit);
}

}  // namespace

TEST_CASE("frame() prefixes the payload with its length in host byte order") {
  CHECK(frame("abc") == length_prefix(3) + "abc");
  CHECK(frame("") == length_prefix(0));
  // Little-endian hosts are the ones agents run on (PROTOCOL.md).
  CHECK(frame(std::string(0x240, 'x')).substr(0, 4) == std::string("\x40\x02\x00\x00", 4));
}

TEST_CASE("read_frame refuses empty input") {
  CHECK_THROWS_AS(read_from_pipe(""), dc::Error);
  CHECK_THROWS_WITH(read_from_pipe(""), Contains("empty input"));
}

TEST_CASE("read_frame refuses a length of fewer than 4 bytes") {
  const int size = GENERATE(1, 2, 3);
  CHECK_THROWS_WITH(read_from_pipe(std::string(static_cast<size_t>(size), '\x01')),
                    Contains("short frame length") && Contains("got " + std::to_string(size) + " of 4"));
}

TEST_CASE("read_frame refuses a payload shorter than announced") {
  CHECK_THROWS_WITH(read_from_pipe(length_prefix(10) + "12345"),
                    Contains("payload shorter than announced") && Contains("got 5 of 10"));
  CHECK_THROWS_WITH(read_from_pipe(length_prefix(1)), Contains("got 0 of 1"));
}

TEST_CASE("read_frame enforces the length limit before reading the payload") {
  // No payload follows: the refusal must come from the length alone.
  CHECK_THROWS_WITH(read_from_pipe(length_prefix(101), 100), Contains("exceeds the limit of 100"));
  CHECK_THROWS_WITH(read_from_pipe(length_prefix(UINT32_MAX), kLimit), Contains("exceeds the limit"));
}

TEST_CASE("read_frame accepts a payload of exactly the limit") {
  const std::string payload(100, 'p');
  CHECK(read_from_pipe(frame(payload), 100) == payload);
}

TEST_CASE("read_frame accepts a 0-length payload") {
  CHECK(read_from_pipe(length_prefix(0)).empty());
}

TEST_CASE("frame() and read_frame round trip arbitrary bytes") {
  // Every byte value, NULs included: payloads are binary protobuf.
  std::string payload;
  for (int i = 0; i < 1000; ++i) payload += static_cast<char>(i % 256);
  CHECK(read_from_pipe(frame(payload)) == payload);

  TempFile file(frame(payload));
  CHECK(read_frame(file.fd, kLimit) == payload);
}

TEST_CASE("read_frame does not read past the frame") {
  SECTION("pipe left open, as the agent leaves stdin") {
    // Nothing is closed: reading beyond the frame would block forever.
    Pipe pipe;
    pipe.feed(frame("first") + "after", false);
    CHECK(read_frame(pipe.read_end, kLimit) == "first");
    pipe.close_write();
    CHECK(pipe.drain() == "after");
  }
  SECTION("two frames back to back in a file") {
    TempFile file(frame("one") + frame("two") + "tail");
    CHECK(read_frame(file.fd, kLimit) == "one");
    CHECK(read_frame(file.fd, kLimit) == "two");
    CHECK(::lseek(file.fd, 0, SEEK_CUR) == 4 + 3 + 4 + 3);
  }
}

TEST_CASE("write_frame writes a frame that read_frame reads back") {
  Pipe pipe;
  write_frame(pipe.write_end, "result");
  pipe.close_write();
  CHECK(read_frame(pipe.read_end, kLimit) == "result");
  CHECK(pipe.drain().empty());
}

TEST_CASE("write_frame to a pipe without reader throws EPIPE") {
  // Without this the test process would die of SIGPIPE instead of seeing EPIPE.
  auto previous = std::signal(SIGPIPE, SIG_IGN);
  Pipe pipe;
  pipe.close_read();
  CHECK_THROWS_AS(write_frame(pipe.write_end, "lost"), dc::Error);
  CHECK_THROWS_WITH(write_frame(pipe.write_end, "lost"), Contains("EPIPE"));
  std::signal(SIGPIPE, previous);
}
