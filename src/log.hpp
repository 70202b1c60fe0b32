#pragma once
// Logging goes to stderr only (stdout carries the framed result). The agent
// appends our stderr to the executor's sandbox stderr file, so messages are
// few, one line each, and name the container.
#include <spdlog/spdlog.h>

#include <string>

namespace dc::log {

// Sets up the stderr logger; `command` prefixes every line.
void init(const std::string& command, const std::string& level);

}  // namespace dc::log
