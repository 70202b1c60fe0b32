#pragma once
// Logging goes to stderr only (stdout carries the framed result). The agent
// appends our stderr to the executor's sandbox stderr file, so messages are
// few, one line each, and name the container.
#include <spdlog/spdlog.h>

#include <string>

namespace dc::log {

// Sets up the stderr logger; `command` prefixes every line. `threads`: the
// caller logs from several threads.
void init(const std::string& command, const std::string& level, bool threads = false);

}  // namespace dc::log
