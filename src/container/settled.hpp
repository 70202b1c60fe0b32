#pragma once
// A container's end recorded: the Termination settled once in its record,
// with the `ended` hook, and its delivery to the agent noted.
#include <optional>
#include <string>

#include "base/settings.hpp"
#include "container/state.hpp"
#include "protocol/termination.hpp"

namespace dc::ending {

// Records the Termination once, under the caller's lock; later callers get
// the recorded one, so every wait reports the same. The call that records
// it then lets go of the lock (the caller writes no more) and runs the
// `ended` hook (src/hooks.hpp): no call waits behind a hook.
mesos::containerizer::Termination settle(const Settings& settings, state::Locked& locked,
                                         const termination::Exit& container, std::optional<int> executor_status);

// Records that a wait wrote the container's Termination to the agent: only
// then may the sweep remove the container. Called after the result is
// written, so it reports a failure on stderr and never throws.
void delivered(const Settings& settings, const std::string& id);

}  // namespace dc::ending
