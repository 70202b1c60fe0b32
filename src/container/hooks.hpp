#pragma once
// The operator's hooks (CONTAINERIZER_HOOKS_DIR): executables `launched` and
// `ended` run with the container's facts in their environment, for service
// discovery, firewalls and audits. Each runs with argv [path] only, no
// shell, stdin /dev/null, its output appended to the sandbox's stderr, in a
// process group of its own that is killed at CONTAINERIZER_HOOKS_TIMEOUT.
#include <map>
#include <string>

#include "base/settings.hpp"
#include "container/state.hpp"

namespace dc::hooks {

// True when a hooks directory is set: launch then learns the container's IP
// address for them.
bool enabled(const Settings& settings);

// The hook's environment: PATH and CONTAINERIZER_HOOK_* from the record
// (the Termination's facts too once it has one). Pure.
std::map<std::string, std::string> environment(const state::Record& record, const std::string& event);

// Runs `launched` once the container has started. A failure (non-zero
// exit, timeout, not executable) is logged as one line; with
// CONTAINERIZER_HOOKS_REQUIRED it throws dc::Error instead, and launch
// removes the container.
void launched(const Settings& settings, const state::Record& record);

// Runs `ended` for a record whose Termination was just recorded, durably,
// by the caller holding its lock. A failure is logged, never thrown.
void ended(const Settings& settings, const state::Record& record);

}  // namespace dc::hooks
