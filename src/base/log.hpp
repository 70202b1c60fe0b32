#pragma once
// Logging goes to stderr only (stdout carries the framed result). The agent
// appends our stderr to the executor's sandbox stderr file, so messages are
// few, one line each, and name the container.
#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace dc::log {

// Sets up the stderr logger; `command` prefixes every line. `threads`: the
// caller logs from several threads. Every message is escaped (`escaped`):
// ids, commands, names and docker's answers come from frameworks, and one
// of them must never start a line of its own in a log.
void init(const std::string& command, const std::string& level, bool threads = false);

// `text` with its control characters written out: \n, \r, \t, \\ (so an
// escape stays readable as one) and \xHH for the other bytes below 0x20
// and 0x7f; the C1 controls and the line and paragraph separators of
// UTF-8 (U+0080..U+009F, U+2028, U+2029) as \u{HHHH}.
std::string escaped(std::string_view text);

// The call's stderr once it knows the container's sandbox. Mesos's external
// containerizer opens SANDBOX/stderr itself, as root and following links,
// for every call that has a sandbox, and copies our stderr into it: when
// that entry is not the sandbox's own regular file, our lines would land
// wherever the task pointed it. So the lines go on fd 2 only when it is
// - a terminal (a person's call);
// - the regular file SANDBOX/stderr itself (same device and inode as the
//   entry, looked at without following it);
// - a pipe or socket (the agent's copy, a person's `| less`), while the
//   entry is not something else than a regular file (the agent opened it
//   by that name; missing, there was nothing to follow);
// otherwise (a regular file elsewhere, a FIFO, a device, a closed fd 2)
// they are appended to `state_dir`/stderr.log instead (the state directory
// is root's), and nothing is written on fd 2.
void guard_stderr(const std::string& sandbox, const std::string& state_dir);

}  // namespace dc::log
