// update: apply new cpus/mem through `docker update`, so that `docker
// inspect` keeps telling the truth. Mesos's memory rule, made safe: the soft
// limit is always set; the hard limit is raised at once, and lowered only
// as far as the container's current usage (never below it, which would
// make the kernel reclaim or OOM-kill right away). A container that has
// ended is left as it is and the update succeeds: a short task often ends
// before the agent's first update, and a failure there makes the agent
// destroy the container and lose the task's real end.
#include <unistd.h>

#include <algorithm>

#include "base/log.hpp"
#include "commands/commands.hpp"
#include "container/observed.hpp"
#include "container/state.hpp"
#include "docker/docker.hpp"
#include "plan/resources.hpp"
#include "protocol/naming.hpp"
#include "protocol/messages.hpp"

namespace dc::commands {
namespace {

// The hard limit to set: what was asked, unless usage is above it.
uint64_t hard_limit(const state::Record& record, uint64_t requested) {
  std::optional<cgroups::Stats> stats = record.cgroups ? cgroups::read(*record.cgroups) : std::nullopt;
  uint64_t used = stats && stats->mem_total_bytes ? *stats->mem_total_bytes : 0;
  if (requested >= used) return requested;
  uint64_t kept = (used + 4095) / 4096 * 4096;
  spdlog::warn("container {}: memory {} MiB requested but {} MiB in use; hard limit lowered only to {} bytes",
               record.container_id, requested >> 20, used >> 20, kept);
  return kept;
}

void ignore_ended(const std::string& id, const std::string& why) {
  spdlog::info("container {}: update ignored, the container has ended ({})", id, why);
}

void update_container(const Settings& settings, const mesos::containerizer::Update& message) {
  const std::string& id = message.container_id().value();
  ids::validate("container id", id);
  state::Store store(settings.state_dir);
  auto locked = state::Locked::open(store, id);
  if (!locked) throw Error("unknown container (no record in " + store.root() + ")");
  auto& record = locked->record();
  if (record.termination) return ignore_ended(id, record.termination->message());
  for (const auto& resource : message.resources())
    if (resource.name() == "ports")
      spdlog::warn("container {}: port resources cannot change on a running container; ignored", id);
  resources::Allotment wanted;
  resources::add(message.resources(), wanted);
  if (!wanted.cpus && !wanted.mem_mib) return;
  // The agent's first update, when the executor subscribes, repeats what
  // launch allotted; it gates the task's LAUNCH, so it costs no docker call.
  const bool same_cpus = !wanted.cpus || *wanted.cpus == record.cpus;
  const bool same_mem = !wanted.mem_mib || resources::memory_bytes(*wanted.mem_mib) == record.mem_bytes;
  if (same_cpus && same_mem) return;
  docker::Client docker(docker::cli_of(settings));
  if (!record.cgroups && !ending::refresh_pid(*locked, docker)) return ignore_ended(id, "it is not running");
  // docker update also succeeds on an exited container: tell it ourselves.
  if (!ending::init_alive(record)) return ignore_ended(id, "it has exited");
  std::vector<std::string> options;
  if (wanted.cpus) {
    options = {"--cpu-shares", std::to_string(resources::cpu_shares(*wanted.cpus))};
    if (settings.cgroups_enable_cfs)
      options.insert(options.end(), {"--cpu-period", std::to_string(resources::kCfsPeriodUs), "--cpu-quota",
                                     std::to_string(resources::cfs_quota_us(*wanted.cpus))});
  }
  std::optional<uint64_t> hard;
  if (wanted.mem_mib) {
    const uint64_t soft = resources::memory_bytes(*wanted.mem_mib);
    hard = hard_limit(record, soft);
    const std::string limit = std::to_string(*hard);
    options.insert(options.end(),
                   {"--memory", limit, "--memory-swap", limit, "--memory-reservation", std::to_string(soft)});
  }
  docker.update(record.name, options);
  if (wanted.cpus) {
    record.cpus = *wanted.cpus;
    record.cfs = settings.cgroups_enable_cfs;
  }
  // The hard limit as set: when usage held it up, a repeat of the request
  // tries again, and an OOM names the limit the kernel enforced.
  if (hard) record.mem_bytes = *hard;
  locked->save();
  spdlog::info("container {}: updated to cpus {} mem {} MiB", id, record.cpus, record.mem_bytes >> 20);
}

}  // namespace

int update(const Settings& settings) {
  auto message = messages::read_stdin<mesos::containerizer::Update>(settings.frame_limit);
  guard_stderr(settings, message.container_id().value());
  for_container(message.container_id().value(), [&] { update_container(settings, message); });
  return 0;
}

}  // namespace dc::commands
