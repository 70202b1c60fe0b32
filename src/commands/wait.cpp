// wait: block until the container (and, in override mode, the host
// executor) has ended, then report how. Nothing polls meanwhile: the call
// sleeps in poll() on inotify watches of the run directory (the init's
// status file lands there) and of the container's directory (a destroy
// rewrites or removes the record), pidfds of the container's init and of
// the host executor's supervisor, and its stdout (the agent gone).
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands/commands.hpp"
#include "container/observed.hpp"
#include "container/settled.hpp"
#include "container/sweep.hpp"
#include "container/state.hpp"
#include "protocol/framing.hpp"
#include "protocol/naming.hpp"
#include "protocol/messages.hpp"

namespace dc::commands {
namespace {

// The agent reads our result through a pipe; a file (tests, a person) or a
// terminal has no reader to wait for or to lose.
bool is_pipe(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

// Within `timeout_ms`: the pipe's reader closed its end (POLLERR on ours;
// nothing else is reported to a writer that asks for no events).
bool reader_gone(int fd, int timeout_ms) {
  struct pollfd writer = {fd, 0, 0};
  return ::poll(&writer, 1, timeout_ms) > 0;
}

// Mesos's external containerizer reads a wait's result in a blocking read
// that a busy agent starts late, on a descriptor it closes as soon as it
// has reaped the wait: a wait that exits before it was read fails with
// "Failed to read size: Bad file descriptor" (external_containerizer.cpp,
// 0.20 to 1.0). So on a pipe, stay until the reader has taken every byte,
// or has gone; a file (tests, a person) needs nothing.
void await_read(int fd) {
  if (!is_pipe(fd)) return;
  constexpr int kTickMs = 10, kLimitMs = 120'000;
  for (int waited = 0; waited < kLimitMs; waited += kTickMs) {
    int unread = 0;
    if (::ioctl(fd, FIONREAD, &unread) != 0 || unread == 0) return;
    // Nothing signals "read": tick.
    if (reader_gone(fd, kTickMs)) return;
  }
}

// A restarted agent calls wait for each container once its containerizer
// has recovered it; the host executor waits for that before it subscribes
// again (executor.cpp). So each wait notes itself as the container's, and
// the one whose agent went (the reading end of its stdout closed: the agent
// died) says so, unless a newer wait has taken over meanwhile.
void note_waiter(const Settings& settings, const std::string& id, bool gone) {
  ids::validate("container id", id);
  state::Store store(settings.state_dir);
  auto locked = state::Locked::open(store, id);
  if (!locked) return;
  auto& record = locked->record();
  if (gone && record.waiter_pid != ::getpid()) return;
  record.waiter_pid = ::getpid();
  record.agent_gone = gone;
  locked->save(false);
}

}  // namespace

int wait(const Settings& settings) {
  auto message = messages::read_stdin<mesos::containerizer::Wait>(settings.frame_limit);
  guard_stderr(settings, message.container_id().value());
  const std::string& id = message.container_id().value();
  ending::Look end = for_container(id, [&] {
    note_waiter(settings, id, false);
    const bool piped = is_pipe(STDOUT_FILENO);
    bool gone = false;
    // After each look; the reader's going wakes the watch.
    return ending::until(settings, id, ending::Settle::yes, piped ? STDOUT_FILENO : -1, [&](const ending::Look& l) {
      if (piped && !gone && reader_gone(STDOUT_FILENO, 0)) note_waiter(settings, id, gone = true);
      return l.termination.has_value();
    });
  });
  framing::write_frame(STDOUT_FILENO, end.termination->SerializeAsString());
  await_read(STDOUT_FILENO);
  // The agent reads our exit; removal must not delay it.
  ::close(STDOUT_FILENO);
  // Only a written result counts: a wait whose agent died failed with EPIPE.
  ending::delivered(settings, id);
  sweep::start(settings);
  return 0;
}

int await(const Settings& settings, const std::string& id) {
  return termination::exit_code(ending::container_end(settings, id).status);
}

}  // namespace dc::commands
