#pragma once
// Processes that outlive the call (the cleanup sweep, override mode's host
// executor supervisor). They must hold none of the agent's pipes: the agent
// waits for its stdout/stderr pipes to close, and never closes our stdin.
#include <functional>
#include <map>
#include <string>

namespace dc::process {

// Runs `body` in a grandchild in its own session, with stdin on /dev/null,
// stdout/stderr on `out_fd`/`err_fd` (or /dev/null when -1), every other
// descriptor closed; the grandchild exits with body's return value. Returns
// the grandchild's pid once it is running on its own (the intermediate
// child is reaped here, so no zombie is left to the agent).
int detached(const std::function<int()>& body, int out_fd = -1, int err_fd = -1);

// This process's environment, by name.
std::map<std::string, std::string> environment();

}  // namespace dc::process
