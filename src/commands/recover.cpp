// recover: after an agent restart, reconcile the state directory with the
// engine. Records of containers gone from the engine are dropped unless they
// hold a Termination a later wait must still report; containers that ended
// while no one waited get their Termination now; containers without a
// record (state lost) get one from their labels, and so do those whose
// record cannot be read (set aside for a person). Records of another agent
// instance sharing the state directory are left alone. Nothing is killed:
// the agent destroys orphans itself.
#include <map>
#include <set>

#include "base/log.hpp"
#include "commands/commands.hpp"
#include "container/image.hpp"
#include "container/observed.hpp"
#include "container/settled.hpp"
#include "container/sweep.hpp"
#include "docker/docker.hpp"
#include "protocol/naming.hpp"

namespace dc::commands {
namespace {

void reconcile(const Settings& settings, state::Locked& locked, const state::Store& store,
               const docker::Client& docker, const docker::Listed* listed) {
  auto& record = locked.record();
  if (!listed) {
    if (!record.termination) {
      spdlog::info("container {}: gone from the engine; record dropped", record.container_id);
      locked.remove();
    } else if (!record.removed) {
      record.removed = true;
      locked.save();
    }
    return;
  }
  if (record.termination || record.docker_id.empty()) return;
  if (auto exit = ending::container_exit(locked, store, docker)) {
    ending::settle(settings, locked, *exit,
                   record.override_mode ? ending::executor_status(record, store) : std::nullopt);
    spdlog::info("container {}: ended while no one waited", record.container_id);
  }
}

void adopt(const state::Store& store, const docker::Client& docker, const docker::Listed& listed,
           const std::string& work_directory) {
  auto container = docker.inspect(listed.name);
  if (!container) return;
  state::Record record;
  record.container_id = listed.container_id;
  record.name = listed.name;
  record.docker_id = container->id;
  record.slave_id = container->labels[labels::kSlaveId];
  record.sandbox = container->labels[labels::kSandbox];
  record.framework_id = container->labels[labels::kFrameworkId];
  record.executor_id = container->labels[labels::kExecutorId];
  record.work_directory = work_directory;
  auto locked = state::Locked::create(store, record);
  image::confirm(locked, *container, docker);
  locked.save();
  spdlog::info("container {}: record rebuilt from the engine's labels", listed.container_id);
}

// A record that cannot be read is kept for a person, out of every call's way.
void set_aside(const state::Store& store, const std::string& id, const std::string& why) {
  try {
    spdlog::warn("container {}: {}; record set aside as {}", id, why, store.set_aside(id));
  } catch (const Error& e) {
    spdlog::warn("container {}: {}; {}", id, why, e.what());
  }
}

// Reconciles one record, if it is this agent's: records of another agent
// sharing the state directory are its own recover's to judge (our `docker
// ps` does not list their containers). A failure stays with its record: a
// record that cannot be read is set aside (false), any other failure is
// one line, and every other container recovers.
bool recover_record(const Settings& settings, const state::Store& store, const docker::Client& docker,
                    const std::string& id, const docker::Listed* listed, const std::string& work_directory) {
  try {
    auto locked = state::Locked::open(store, id);
    if (locked && state::ours(locked->record(), work_directory))
      for_container(id, [&] { reconcile(settings, *locked, store, docker, listed); });
  } catch (const state::CorruptRecord& e) {
    set_aside(store, id, e.what());
    return false;
  } catch (const Error& e) {
    spdlog::warn("{}; its record is left as it was", e.what());
  }
  return true;
}

}  // namespace

int recover(const Settings& settings) {
  state::Store store(settings.state_dir);
  docker::Client docker(docker::cli_of(settings));
  const std::string work_directory = settings.environment.work_directory;
  std::map<std::string, docker::Listed> engine;
  for (const auto& listed : docker.ps(work_directory)) engine[listed.container_id] = listed;
  std::set<std::string> running;
  for (const auto& id : store.ids()) {
    auto found = engine.find(id);
    const docker::Listed* listed = found == engine.end() ? nullptr : &found->second;
    // A running container's record has nothing to reconcile: no lock, no read.
    if (listed && listed->state == "running") {
      running.insert(id);
    } else if (!recover_record(settings, store, docker, id, listed, work_directory)) {
      continue;  // set aside: its container, if any, gets a record from its labels below
    }
    if (listed) engine.erase(found);
  }
  for (const auto& [id, listed] : engine) {
    if (!ids::valid(id)) {
      spdlog::warn("container {} has a malformed container id label; skipped", listed.name);
      continue;
    }
    try {
      for_container(id, [&] { adopt(store, docker, listed, work_directory); });
    } catch (const Error& e) {
      spdlog::warn("{}; its record is not rebuilt", e.what());
    }
  }
  spdlog::info("recovered {} container record(s)", store.ids().size());
  sweep::start(settings, running);
  return 0;
}

}  // namespace dc::commands
