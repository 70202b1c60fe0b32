#include "container/enter.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <utility>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "docker/docker.hpp"
#include "host/process.hpp"
#include "protocol/check_channel.h"

namespace dc::enter {
namespace {

using Clock = std::chrono::steady_clock;

// The init is gone (the container has ended): the outcome is `lost`.
struct Gone : Error {
  using Error::Error;
};

// A descriptor closed when it goes. Move-only.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string channel_path(const Container& container) { return container.run_dir + "/" + CHECK_CHANNEL_NAME; }

// The channel, connected; nullopt when the container has none (an older
// version's). Opened without following a link: O_PATH|O_NOFOLLOW takes
// whatever the task left at the name (a link, a FIFO, a file) without
// opening through it, and only a socket is connected to, through the
// descriptor itself. Non-blocking: a full backlog fails at once.
std::optional<Fd> connect_channel(const Container& container) {
  const std::string path = channel_path(container);
  // The run directory itself is the program's, in STATE_DIR: only its
  // entries are the container's.
  const Fd dir(::open(container.run_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 && errno == ENOENT) return std::nullopt;
  if (dir.get() < 0) throw Error("cannot open " + container.run_dir + ": " + std::strerror(errno));
  const Fd node(::openat(dir.get(), CHECK_CHANNEL_NAME, O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (node.get() < 0 && errno == ENOENT) return std::nullopt;
  struct stat st;
  if (node.get() < 0 || ::fstat(node.get(), &st) != 0)
    throw Error("cannot open the check channel " + path + ": " + std::strerror(errno));
  if (!S_ISSOCK(st.st_mode))
    throw Error("the check channel " + path + " is not a socket (the task replaced it): refused");
  Fd socket(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.get() < 0) throw Error(std::string("socket: ") + std::strerror(errno));
  struct sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "/proc/self/fd/%d", node.get());
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (errno == ECONNREFUSED) throw Gone("the container's init does not listen on " + path + ": it has ended");
    if (errno == EAGAIN) throw Error("the container's init takes no more commands now: as many wait on " + path);
    throw Error("cannot connect to the check channel " + path + ": " + std::strerror(errno));
  }
  return socket;
}

// Sends the request, with `out` and `err` (-1: none) as the command's
// stdout and stderr, before `deadline`.
void send_request(int channel, const std::string& message, int out, int err, Clock::time_point deadline) {
  struct iovec data = {const_cast<char*>(message.data()), message.size()};
  union {
    struct cmsghdr align;
    char space[CMSG_SPACE(2 * sizeof(int))];
  } control = {};
  struct msghdr header = {};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  if (out >= 0) {
    header.msg_control = control.space;
    header.msg_controllen = sizeof control.space;
    struct cmsghdr* rights = CMSG_FIRSTHDR(&header);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN(2 * sizeof(int));
    const int fds[2] = {out, err};
    std::memcpy(CMSG_DATA(rights), fds, sizeof fds);
  }
  for (;;) {
    if (::sendmsg(channel, &header, MSG_NOSIGNAL) >= 0) return;
    if (errno != EAGAIN && errno != EINTR) throw Error(std::string("cannot send the check: ") + std::strerror(errno));
    struct pollfd writable = {channel, POLLOUT, 0};
    if (::poll(&writable, 1, clock::poll_ms(deadline)) == 0) throw Error("the container's init took no check in time");
  }
}

// The reply as an outcome: only its status is believed.
Outcome outcome_of(const char* message, ssize_t size, const Command& command) {
  Outcome outcome;
  check_reply reply{};
  if (size == 0) {
    outcome.lost = true;
    outcome.error = "the container's init went away before the command ended";
  } else if (size < 0 || check_reply_decode(message, static_cast<size_t>(size), &reply) != 0) {
    outcome.error = "the check channel gave no valid answer";
  } else if (reply.kind == CHECK_ENDED) {
    outcome.status = reply.value;
  } else if (reply.kind == CHECK_NOT_EXECUTED) {
    outcome.error = "cannot execute " + command.file + ": " + std::strerror(reply.value);
  } else {
    outcome.error = std::string("the container's init did not run the command: ") + std::strerror(reply.value);
  }
  return outcome;
}

// One read of at most `most` bytes of `from` copied to `to`: read's result
// (0 at the end; -1 with EAGAIN when there is nothing now). A write that
// fails (our reader is gone) loses the rest of it, as it would for the
// command itself.
ssize_t copy_once(int from, int to, size_t most = 65536) {
  char buffer[65536];
  const ssize_t n = ::read(from, buffer, std::min(most, sizeof buffer));
  for (ssize_t done = 0, wrote; done < n; done += wrote)
    if ((wrote = ::write(to, buffer + done, static_cast<size_t>(n - done))) <= 0) break;
  return n;
}

// The command's output, relayed: a pipe per stream, the write end sent to
// the init, the read end copied to our stdout or stderr. No descriptor of
// this process (a terminal, which takes TIOCSTI) ever reaches the container.
class Relay {
 public:
  explicit Relay(bool on) {
    for (int i = 0; on && i < 2; ++i) {
      int ends[2];
      if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
      read_[i] = ends[0];
      write_[i] = ends[1];
    }
  }
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;
  ~Relay() {
    close_writes();
    for (int fd : read_)
      if (fd >= 0) ::close(fd);
  }
  int read(int i) const { return read_[i]; }
  int write(int i) const { return write_[i]; }
  // Once sent: our write ends would keep the pipes from their end.
  void close_writes() {
    for (int& fd : write_)
      if (fd >= 0) ::close(std::exchange(fd, -1));
  }
  // After the command's end its group is dead, so what is in the pipes now
  // is all of its output: exactly that much is copied (a process that left
  // the group may hold them open, and write on).
  void drain() const {
    for (int i = 0; i < 2; ++i) {
      int left = 0;
      if (read_[i] < 0 || ::ioctl(read_[i], FIONREAD, &left) != 0) continue;
      for (ssize_t n; left > 0 && (n = copy_once(read_[i], STDOUT_FILENO + i, static_cast<size_t>(left))) > 0;)
        left -= static_cast<int>(n);
    }
  }

 private:
  int read_[2] = {-1, -1};
  int write_[2] = {-1, -1};
};

// Waits for the reply, relaying output, until `deadline` or `cancel_fd`.
Outcome await_reply(int channel, const Command& command, Relay& relay, int cancel_fd, Clock::time_point deadline) {
  struct pollfd fds[4] = {{channel, POLLIN, 0}, {cancel_fd, POLLIN, 0}, {relay.read(0), POLLIN, 0},
                          {relay.read(1), POLLIN, 0}};
  for (;;) {
    const int ready = ::poll(fds, 4, clock::poll_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw Error(std::string("poll: ") + std::strerror(errno));
    Outcome outcome;
    if (ready == 0) {
      outcome.timed_out = true;
      return outcome;
    }
    if (fds[1].revents) {
      outcome.cancelled = true;
      return outcome;
    }
    for (int i = 0; i < 2; ++i) {
      if (!fds[2 + i].revents) continue;
      const ssize_t n = copy_once(fds[2 + i].fd, STDOUT_FILENO + i);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) fds[2 + i].fd = -1;
    }
    if (fds[0].revents) {
      // Twice the reply's size: a longer message shows as one, not cut to
      // look right. recv takes no descriptors: any sent are dropped.
      char message[2 * CHECK_REPLY_SIZE];
      const ssize_t size = ::recv(channel, message, sizeof message, MSG_DONTWAIT);
      if (size < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      outcome = outcome_of(message, size, command);
      relay.drain();
      return outcome;
    }
  }
}

// The fallback: docker exec, for a container with no channel.
Outcome docker_exec(const Container& container, const Command& command, const docker::Client& docker,
                    double timeout_seconds, int cancel_fd, bool relay) {
  std::vector<std::string> argv = command.argv;
  argv.front() = command.file;  // docker exec runs argv[0]
  const auto ran = docker.exec(container.name, argv, command.environment, timeout_seconds, cancel_fd,
                               relay ? STDOUT_FILENO : -1, relay ? STDERR_FILENO : -1);
  Outcome outcome;
  outcome.status = ran.status;
  outcome.timed_out = ran.timed_out;
  outcome.cancelled = ran.cancelled;
  return outcome;
}

}  // namespace

std::string request(const Command& command) {
  std::vector<std::string> env;
  for (const auto& [name, value] : command.environment) env.push_back(name + "=" + value);
  std::vector<const char*> argv, envp;
  for (const auto& word : command.argv) argv.push_back(word.c_str());
  for (const auto& entry : env) envp.push_back(entry.c_str());
  const auto holds_nul = [](const std::string& word) { return word.find('\0') != std::string::npos; };
  if (holds_nul(command.file) || std::any_of(command.argv.begin(), command.argv.end(), holds_nul) ||
      std::any_of(env.begin(), env.end(), holds_nul))
    throw Error("the command or its environment holds a NUL byte");
  for (const auto& [name, value] : command.environment)
    if (name.empty() || name.find('=') != std::string::npos)
      throw Error("'" + name + "' is not an environment variable's name");
  std::string message(CHECK_MAX_REQUEST, '\0');
  const size_t size = check_request_encode(message.data(), message.size(), command.file.c_str(), argv.data(),
                                           static_cast<uint32_t>(argv.size()), envp.data(),
                                           static_cast<uint32_t>(envp.size()));
  if (size == 0)
    throw Error("the command takes more than the check channel carries (" + std::to_string(CHECK_MAX_WORDS) +
                " words, " + std::to_string(CHECK_MAX_WORDS) + " variables, " + std::to_string(CHECK_MAX_REQUEST) +
                " bytes in all)");
  message.resize(size);
  return message;
}

Init::Init(int pid) : pid_(pid) {
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd_ < 0)
    throw Error("the container's init (pid " + std::to_string(pid) + ") is gone: " + std::strerror(errno));
}

Init::Init(Init&& other) noexcept : pid_(other.pid_), pidfd_(std::exchange(other.pidfd_, -1)) {}

Init::~Init() {
  if (pidfd_ >= 0) ::close(pidfd_);
}

bool Init::alive() const { return !exits_within(0); }

bool Init::exits_within(double seconds) const {
  struct pollfd fd = {pidfd_, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&fd, 1, static_cast<int>(seconds * 1000))) < 0 && errno == EINTR) {
  }
  return ready != 0;
}

Outcome run(const Container& container, const Command& command, const docker::Client& docker, double timeout_seconds,
            int cancel_fd, bool relay) {
  const auto deadline = clock::deadline_after(timeout_seconds);
  Outcome outcome;
  try {
    const std::string message = request(command);
    const auto channel = connect_channel(container);
    if (!channel) return docker_exec(container, command, docker, timeout_seconds, cancel_fd, relay);
    Relay output(relay);
    send_request(channel->get(), message, output.write(0), output.write(1), deadline);
    output.close_writes();
    // Closing the channel (on return, or by our death) makes the init kill
    // the command's group: on a timeout and a cancel too.
    return await_reply(channel->get(), command, output, cancel_fd, deadline);
  } catch (const Gone& e) {
    outcome.error = e.what();
    outcome.lost = true;
  } catch (const Error& e) {
    outcome.error = e.what();
  }
  return outcome;
}

}  // namespace dc::enter
