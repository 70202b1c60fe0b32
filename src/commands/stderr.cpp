// Which stderr a call on an existing container may write to (log.hpp).
#include "base/log.hpp"
#include "commands/commands.hpp"
#include "container/state.hpp"
#include "protocol/naming.hpp"

namespace dc::commands {

void guard_stderr(const Settings& settings, const std::string& id) {
  // An id that is no path component, or no record: the call fails with
  // its one line, and has no sandbox to tell the agent's file by.
  if (!ids::valid(id)) return;
  if (auto record = state::Store(settings.state_dir).peek(id); record && !record->sandbox.empty())
    log::guard_stderr(record->sandbox, settings.state_dir);
}

}  // namespace dc::commands
