#pragma once
// The sweep: ended containers removed from the engine, and records
// forgotten, once nothing needs them.
#include <set>
#include <string>

#include "base/settings.hpp"

namespace dc::sweep {

// Removes ended containers whose Termination a wait delivered, once CONTAINERIZER_REMOVE_DELAY has passed, and
// records whose sandbox the agent's garbage collection removed. Runs in a
// detached process so that no call waits for `docker rm`.
void run(const Settings& settings);
// Starts one when a record is due, looking at every record but those of
// `running` containers (docker ps just said so: nothing of theirs is due).
void start(const Settings& settings, const std::set<std::string>& running = {});

}  // namespace dc::sweep
