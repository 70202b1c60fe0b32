// destroy: stop the container (SIGTERM, then SIGKILL after
// CONTAINERIZER_STOP_TIMEOUT), record how it ended so pending waits answer,
// then remove it with its anonymous volumes and forget it. Idempotent.
#include <signal.h>
#include <unistd.h>

#include "base/log.hpp"
#include "commands/commands.hpp"
#include "container/observed.hpp"
#include "container/settled.hpp"
#include "container/state.hpp"
#include "docker/docker.hpp"
#include "protocol/naming.hpp"
#include "protocol/messages.hpp"

namespace dc::commands {
namespace {

// A container of this agent instance the state directory does not know
// (its record was lost): find its name by label.
std::optional<std::string> engine_name(const docker::Client& docker, const std::string& work_directory,
                                       const std::string& id) {
  for (const auto& listed : docker.ps(work_directory))
    if (listed.container_id == id) return listed.name;
  return std::nullopt;
}

void destroy_unrecorded(const docker::Client& docker, const std::string& work_directory, const std::string& id) {
  auto name = engine_name(docker, work_directory, id);
  if (!name) {
    spdlog::info("container {}: unknown, nothing to destroy", id);
    return;
  }
  docker.remove(*name);
  spdlog::info("container {}: removed {} (it had no record)", id, *name);
}

}  // namespace

int destroy(const Settings& settings) {
  auto message = messages::read_stdin<mesos::containerizer::Destroy>(settings.frame_limit);
  guard_stderr(settings, message.container_id().value());
  const std::string& id = message.container_id().value();
  for_container(id, [&] {
    ids::validate("container id", id);
    state::Store store(settings.state_dir);
    docker::Client docker(docker::cli_of(settings));
    std::string name;
    {
      auto locked = state::Locked::open(store, id);
      if (!locked) return destroy_unrecorded(docker, settings.environment.work_directory, id);
      locked->record().destroying = true;
      locked->save();
      name = locked->record().name;
    }
    // A launch killed before its record named the container: find it by label.
    if (name.empty()) name = engine_name(docker, settings.environment.work_directory, id).value_or("");
    // Stop without the lock, so that waits and usage keep answering.
    if (!name.empty() && !docker.stop(name, settings.stop_timeout))
      spdlog::info("container {}: {} was not on the engine", id, name);
    {
      auto locked = state::Locked::open(store, id);
      if (!locked) return;  // a concurrent destroy finished first
      auto& record = locked->record();
      ending::stop_host_executor(record);
      if (!record.termination && !record.docker_id.empty())
        if (auto exit = ending::container_exit(*locked, store, docker))
          ending::settle(settings, *locked, *exit, record.override_mode ? std::optional<int>(SIGKILL) : std::nullopt);
    }
    // Unlocked again while docker removes it: pending waits read the
    // Termination just recorded.
    if (!name.empty()) docker.remove(name);
    auto locked = state::Locked::open(store, id);
    if (locked) locked->remove();
    spdlog::info("container {}: destroyed {}", id, name);
  });
  return 0;
}

}  // namespace dc::commands
