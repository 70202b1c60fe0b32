#include "host/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/error.hpp"

namespace dc::files {
namespace {

// What a non-regular file is, for the refusal.
const char* kind(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

// A refusal: errno's text, or what the file is instead of a regular one.
struct Refused {
  int error = 0;
  std::string what;
};

// O_PATH descriptors of each directory below `dir`, never through a link
// (a link opened O_PATH|O_NOFOLLOW is the link itself: O_DIRECTORY fails).
Fd parent_of(const std::string& dir, const std::string& relative, std::string& last, Refused& refused) {
  Fd current(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  size_t start = 0;
  for (size_t slash; current.get() >= 0 && (slash = relative.find('/', start)) != std::string::npos;
       start = slash + 1) {
    const std::string name = relative.substr(start, slash - start);
    current = Fd(::openat(current.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  if (current.get() < 0) refused.error = errno;
  last = relative.substr(start);
  return current;
}

// The regular file's descriptor with `flags`, or -1 and why not. The file
// is looked at through an O_PATH descriptor first, which opens nothing (a
// FIFO would block, a device's open acts), then opened again through
// /proc/self/fd, which reaches that same inode.
Fd open_regular(const std::string& dir, const std::string& relative, int flags, mode_t mode, Refused& refused) {
  if (relative.empty() || relative[0] == '/' || relative == ".." || relative.find("../") != std::string::npos ||
      (relative.size() >= 3 && relative.compare(relative.size() - 3, 3, "/..") == 0)) {
    refused.what = "not a plain path below " + dir;
    return Fd();
  }
  std::string last;
  Fd parent = parent_of(dir, relative, last, refused);
  if (parent.get() < 0) return Fd();
  const int base = (flags & ~(O_CREAT | O_EXCL | O_TRUNC)) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  Fd file(::openat(parent.get(), last.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (file.get() < 0 && errno == ENOENT && (flags & O_CREAT)) {
    // O_EXCL: whatever appeared meanwhile (a link too) is refused.
    Fd created(::openat(parent.get(), last.c_str(), base | O_CREAT | O_EXCL | O_NOFOLLOW, mode));
    if (created.get() < 0) refused.error = errno;
    return created;
  }
  struct stat st;
  if (file.get() < 0 || ::fstat(file.get(), &st) != 0) {
    refused.error = errno;
    return Fd();
  }
  if (!S_ISREG(st.st_mode)) {
    refused.what = kind(st.st_mode);
    return Fd();
  }
  Fd opened(::open(("/proc/self/fd/" + std::to_string(file.get())).c_str(), base | (flags & O_TRUNC)));
  if (opened.get() < 0) refused.error = errno;
  return opened;
}

std::string problem(const std::string& path, const Refused& refused) {
  return path + ": " + (refused.what.empty() ? std::strerror(refused.error) : refused.what);
}

// All of `fd` until EOF, growing as it comes (a /proc file's st_size is 0);
// one byte more than allowed tells a file that is too large.
std::string read_all(int fd, const std::string& path, size_t limit) {
  std::string text;
  size_t got = 0;
  for (ssize_t n = 1; n != 0 && got <= limit;) {
    if (got == text.size()) text.resize(std::min(limit + 1, std::max<size_t>(4096, 2 * got)));
    n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno != EINTR) throw Error("cannot read " + path + ": " + std::strerror(errno));
    if (n > 0) got += static_cast<size_t>(n);
  }
  if (got > limit) throw Error("cannot read " + path + ": larger than " + std::to_string(limit) + " bytes");
  text.resize(got);
  return text;
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

int Fd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

Fd open_beneath(const std::string& dir, const std::string& relative, int flags, mode_t mode) {
  Refused refused;
  Fd file = open_regular(dir, relative, flags, mode, refused);
  if (file.get() < 0) throw Error("cannot open " + problem(dir + "/" + relative, refused));
  return file;
}

std::optional<std::string> read_beneath(const std::string& dir, const std::string& relative, size_t limit) {
  Refused refused;
  Fd file = open_regular(dir, relative, O_RDONLY, 0, refused);
  const std::string path = dir + "/" + relative;
  if (file.get() < 0 && refused.what.empty() && refused.error == ENOENT) return std::nullopt;
  if (file.get() < 0) throw Error("cannot read " + problem(path, refused));
  return read_all(file.get(), path, limit);
}

std::optional<std::string> read_file(const std::string& path, size_t limit, Also also) {
  const bool pipes = also == Also::pipe;
  Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | (pipes ? 0 : O_NONBLOCK)));
  if (file.get() < 0 && errno == ENOENT) return std::nullopt;
  Refused refused;
  struct stat st;
  if (file.get() < 0 || ::fstat(file.get(), &st) != 0) refused.error = errno;
  else if (!S_ISREG(st.st_mode) && !(pipes && S_ISFIFO(st.st_mode))) refused.what = kind(st.st_mode);
  if (refused.error != 0 || !refused.what.empty()) throw Error("cannot read " + problem(path, refused));
  return read_all(file.get(), path, limit);
}

std::optional<std::string> try_read_file(const std::string& path, size_t limit, Also also) {
  try {
    return read_file(path, limit, also);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string real_path(const std::string& path) {
  std::error_code error;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(path, error);
  return error ? path : resolved.string();
}

}  // namespace dc::files
