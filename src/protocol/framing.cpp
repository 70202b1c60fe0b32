#include "protocol/framing.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.hpp"

namespace dc::framing {
namespace {

// Reads up to `size` bytes, stopping early only at end of input.
size_t read_fully(int fd, char* buffer, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, buffer + got, size - got);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("cannot read stdin: ") + std::strerror(errno));
    }
    got += static_cast<size_t>(n);
  }
  return got;
}

}  // namespace

std::string read_frame(int fd, uint64_t limit) {
  uint32_t length = 0;
  size_t got = read_fully(fd, reinterpret_cast<char*>(&length), sizeof length);
  if (got == 0) throw Error("empty input: expected a 4-byte frame length on stdin");
  if (got < sizeof length)
    throw Error("short frame length: got " + std::to_string(got) + " of 4 bytes");
  if (length > limit)
    throw Error("frame length " + std::to_string(length) + " exceeds the limit of " +
                std::to_string(limit) + " bytes (CONTAINERIZER_FRAME_LIMIT)");
  std::string payload(length, '\0');
  got = read_fully(fd, payload.data(), length);
  if (got < length)
    throw Error("payload shorter than announced: got " + std::to_string(got) + " of " +
                std::to_string(length) + " bytes");
  return payload;
}

std::string frame(const std::string& payload) {
  uint32_t length = static_cast<uint32_t>(payload.size());
  std::string bytes(reinterpret_cast<const char*>(&length), sizeof length);
  return bytes + payload;
}

void write_frame(int fd, const std::string& payload) {
  if (payload.size() > UINT32_MAX) throw Error("message too large for a frame");
  const std::string bytes = frame(payload);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) throw Error("cannot write result: the reader closed stdout (EPIPE)");
      throw Error(std::string("cannot write result: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
}

}  // namespace dc::framing
