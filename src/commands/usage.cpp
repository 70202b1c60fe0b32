// usage: a ResourceStatistics snapshot read straight from the container's
// cgroup files; docker is asked only once, for the paths, if no wait has
// learned them yet. The agent polls this often, so it stays cheap.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "commands/commands.hpp"
#include "container/observed.hpp"
#include "container/state.hpp"
#include "docker/docker.hpp"
#include "protocol/framing.hpp"
#include "protocol/naming.hpp"
#include "protocol/messages.hpp"

namespace dc::commands {
namespace {

bool own_network_namespace(int pid) {
  struct stat ours, theirs;
  return ::stat("/proc/self/ns/net", &ours) == 0 &&
         ::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &theirs) == 0 && ours.st_ino != theirs.st_ino;
}

// The cpus allotted: the CFS quota when one is set, else what launch or the
// last update gave (shares/1024 would turn 0.3 into 0.2998).
double cpus_limit(const state::Record& record, const cgroups::Stats& stats) {
  if (record.cfs && stats.cfs_quota_us && stats.cfs_period_us && *stats.cfs_period_us > 0)
    return static_cast<double>(*stats.cfs_quota_us) / static_cast<double>(*stats.cfs_period_us);
  if (record.cpus > 0) return record.cpus;
  return stats.cpu_shares ? static_cast<double>(*stats.cpu_shares) / 1024 : 0;
}

template <typename T, typename Set>
void set(const std::optional<T>& value, Set setter) {
  if (value) setter(*value);
}

mesos::ResourceStatistics statistics(const state::Record& record, const cgroups::Stats& s) {
  using namespace std::chrono;
  mesos::ResourceStatistics r;
  r.set_timestamp(duration<double>(system_clock::now().time_since_epoch()).count());
  set(s.cpus_user_time_secs, [&](double v) { r.set_cpus_user_time_secs(v); });
  set(s.cpus_system_time_secs, [&](double v) { r.set_cpus_system_time_secs(v); });
  if (double limit = cpus_limit(record, s); limit > 0) r.set_cpus_limit(limit);
  set(s.cpus_nr_periods, [&](uint32_t v) { r.set_cpus_nr_periods(v); });
  set(s.cpus_nr_throttled, [&](uint32_t v) { r.set_cpus_nr_throttled(v); });
  set(s.cpus_throttled_time_secs, [&](double v) { r.set_cpus_throttled_time_secs(v); });
  set(s.mem_rss_bytes, [&](uint64_t v) { r.set_mem_rss_bytes(v); });
  set(s.mem_anon_bytes, [&](uint64_t v) { r.set_mem_anon_bytes(v); });
  set(s.mem_file_bytes, [&](uint64_t v) { r.set_mem_file_bytes(v); });
  set(s.mem_mapped_file_bytes, [&](uint64_t v) { r.set_mem_mapped_file_bytes(v); });
  set(s.mem_cache_bytes, [&](uint64_t v) { r.set_mem_cache_bytes(v); });
  set(s.mem_total_bytes, [&](uint64_t v) { r.set_mem_total_bytes(v); });
  set(s.mem_total_memsw_bytes, [&](uint64_t v) { r.set_mem_total_memsw_bytes(v); });
  set(s.mem_swap_bytes, [&](uint64_t v) { r.set_mem_swap_bytes(v); });
  set(s.mem_unevictable_bytes, [&](uint64_t v) { r.set_mem_unevictable_bytes(v); });
  set(s.mem_limit_bytes, [&](uint64_t v) { r.set_mem_limit_bytes(v); });
  set(s.mem_soft_limit_bytes, [&](uint64_t v) { r.set_mem_soft_limit_bytes(v); });
  set(s.processes, [&](uint32_t v) { r.set_processes(v); });
  set(s.threads, [&](uint32_t v) { r.set_threads(v); });
  return r;
}

void add_network(int pid, mesos::ResourceStatistics& r) {
  if (!own_network_namespace(pid)) return;  // host network: the host's counters are not the container's
  auto net = cgroups::net_of_pid(pid);
  if (!net) return;
  r.set_net_rx_packets(net->rx_packets);
  r.set_net_rx_bytes(net->rx_bytes);
  r.set_net_rx_errors(net->rx_errors);
  r.set_net_rx_dropped(net->rx_dropped);
  r.set_net_tx_packets(net->tx_packets);
  r.set_net_tx_bytes(net->tx_bytes);
  r.set_net_tx_errors(net->tx_errors);
  r.set_net_tx_dropped(net->tx_dropped);
}

mesos::ResourceStatistics usage_of(const Settings& settings, const std::string& id) {
  ids::validate("container id", id);
  state::Store store(settings.state_dir);
  auto locked = state::Locked::open(store, id, false);
  if (!locked) throw Error("unknown container (no record in " + store.root() + ")");
  if (locked->record().termination) throw Error("has ended: " + locked->record().termination->message());
  if (!locked->record().cgroups) {
    // First use before any wait learned the paths: ask docker once. Let go
    // of the shared lock first: flock would deadlock on our own lock.
    locked.reset();
    locked = state::Locked::open(store, id, true);
    if (!locked) throw Error("was destroyed");
    if (!locked->record().cgroups && !ending::refresh_pid(*locked, docker::Client(docker::cli_of(settings))))
      throw Error("is not running");
  }
  const state::Record& record = locked->record();
  if (!record.cgroups) throw Error("its cgroups were not found");
  auto stats = cgroups::read(*record.cgroups);
  if (!stats || !ending::init_alive(record)) throw Error("is not running (it has exited)");
  auto result = statistics(record, *stats);
  add_network(record.pid, result);
  return result;
}

}  // namespace

int usage(const Settings& settings) {
  auto message = messages::read_stdin<mesos::containerizer::Usage>(settings.frame_limit);
  guard_stderr(settings, message.container_id().value());
  const std::string& id = message.container_id().value();
  auto result = for_container(id, [&] { return usage_of(settings, id); });
  framing::write_frame(STDOUT_FILENO, result.SerializeAsString());
  return 0;
}

}  // namespace dc::commands
