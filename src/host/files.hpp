#pragma once
// Opening files in directories a container can write (the sandbox, the run
// directory) as root on the host. The task may have put a link, a FIFO, a
// device node or a directory where a file is expected: nothing here follows
// a link below the trusted directory, opens anything but a regular file, or
// reads more than the caller allows. read_file is the one reader of small
// files on trusted paths (the state directory, /proc, the operator's files):
// links followed, but still a regular file only and a bounded read.
#include <sys/types.h>

#include <optional>
#include <string>

namespace dc::files {

// An open file descriptor, closed with the object.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release();

 private:
  int fd_;
};

// Opens `relative` (names joined by '/', no "..") under the directory `dir`,
// which is trusted (followed as given), with `flags` (O_RDONLY, O_WRONLY,
// O_APPEND, O_CREAT ...). No component below `dir` may be a link, and the
// file must be a regular one; with O_CREAT a missing file is created with
// `mode`. Never blocks on a FIFO, never opens a device. Throws dc::Error
// naming the path and what is wrong with it.
Fd open_beneath(const std::string& dir, const std::string& relative, int flags, mode_t mode = 0644);

// The whole regular file `relative` under `dir`, opened as open_beneath
// does; nullopt when it does not exist. Throws dc::Error when it is not a
// regular file or holds more than `limit` bytes.
std::optional<std::string> read_beneath(const std::string& dir, const std::string& relative, size_t limit);

// What read_file takes besides a regular file: a pipe only where the path is
// the operator's own input (`--secret-file <(...)`), read until its writer
// closes it.
enum class Also { nothing, pipe };

// The whole regular file `path`, a trusted path (followed as given); nullopt
// when it does not exist. Read until EOF: /proc's files say they are empty.
// Never blocks on a FIFO unless `also` takes pipes (opened O_NONBLOCK, then
// refused). Throws dc::Error naming the path when it is not a regular file,
// cannot be read or holds more than `limit` bytes.
std::optional<std::string> read_file(const std::string& path, size_t limit, Also also = Also::nothing);

// read_file for callers to whom a file that cannot be read is as good as
// none (a process gone from /proc, a message's detail): nullopt then too.
std::optional<std::string> try_read_file(const std::string& path, size_t limit, Also also = Also::nothing);

// `path` with `..` and symlinks resolved as far as it exists, lexically
// beyond; `path` itself when it cannot be resolved. The caller normalises
// it (policy::normalize): plan/ compares paths and reads no file system.
std::string real_path(const std::string& path);

}  // namespace dc::files
