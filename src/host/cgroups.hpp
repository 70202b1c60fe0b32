#pragma once
// A container's resource use, read straight from its cgroup files so that
// `usage` needs no docker call. Parsers are pure (text in, fields out) and
// never throw on malformed input: a bad line or value only leaves its field
// unset. The readers are thin wrappers that fetch the texts.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dc::cgroups {

// Where a container's cgroups live. v1: one directory per controller (empty
// when that controller is not mounted); v2: one unified directory.
struct Paths {
  bool v2 = false;
  std::string unified;                     // v2 only
  std::string cpu, cpuacct, memory, pids;  // v1 only, e.g. /sys/fs/cgroup/memory/docker/<id>
};

// Resolves /proc/<pid>/cgroup against /proc/self/mountinfo. v1 wins when any
// of cpu, cpuacct, memory, pids is on a v1 hierarchy (hybrid hosts); nullopt
// when neither v1 controllers nor a v2 hierarchy can be located.
std::optional<Paths> paths_from(const std::string& proc_pid_cgroup, const std::string& mountinfo);

// paths_from() on this host's files; nullopt when the process is gone.
std::optional<Paths> paths_of_pid(int pid);

// Every field is absent when its file or key is absent or unparsable.
struct Stats {
  std::optional<double> cpus_user_time_secs, cpus_system_time_secs;
  std::optional<uint32_t> cpus_nr_periods, cpus_nr_throttled;
  std::optional<double> cpus_throttled_time_secs;
  std::optional<uint64_t> cpu_shares;  // v1 cpu.shares, or v2 cpu.weight via shares_from_weight()
  std::optional<int64_t> cfs_quota_us;  // unset when there is no quota
  std::optional<uint64_t> cfs_period_us;
  std::optional<uint64_t> mem_rss_bytes, mem_anon_bytes, mem_file_bytes, mem_mapped_file_bytes, mem_cache_bytes,
      mem_total_bytes, mem_swap_bytes, mem_unevictable_bytes, mem_limit_bytes, mem_soft_limit_bytes,
      mem_total_memsw_bytes;
  std::optional<uint32_t> processes, threads;
  std::optional<uint64_t> oom_kills;
};

// One unsigned number (cpu.shares, memory.current, pids.current, ...).
std::optional<uint64_t> parse_u64(const std::string& text);

// A memory limit (v1 *_limit_in_bytes, v2 memory.max/high): nullopt for "max"
// and for v1's "unlimited" (LONG_MAX rounded down to a page, e.g.
// 9223372036854771712), i.e. any value of 2^62 bytes or more.
std::optional<uint64_t> parse_limit(const std::string& text);

// v1 cpu.cfs_quota_us: nullopt for -1 (no quota).
std::optional<int64_t> parse_v1_cfs_quota(const std::string& text);

// Number of ids in cgroup.procs / tasks / cgroup.threads (one per line).
std::optional<uint32_t> count_ids(const std::string& text);

// v1 cpuacct.stat: "user N\nsystem N" in USER_HZ ticks (clk_tck per second).
void parse_v1_cpuacct_stat(const std::string& text, long clk_tck, Stats& stats);

// v1 cpu.stat: nr_periods, nr_throttled, throttled_time (ns).
void parse_v1_cpu_stat(const std::string& text, Stats& stats);

// v1 memory.stat, as Mesos reads it: the hierarchical total_<key> (which
// includes child cgroups) or, when absent, <key>. rss = anon = total_rss,
// cache = file = total_cache, plus total_mapped_file, total_swap,
// total_unevictable.
void parse_v1_memory_stat(const std::string& text, Stats& stats);

// v2 cpu.stat: user_usec, system_usec, nr_periods, nr_throttled, throttled_usec.
void parse_v2_cpu_stat(const std::string& text, Stats& stats);

// v2 cpu.max: "<quota|max> <period>"; "max" leaves the quota unset.
void parse_v2_cpu_max(const std::string& text, Stats& stats);

// v2 memory.stat: rss = anon = "anon", cache = file = "file", file_mapped,
// unevictable (v2 keeps swap in memory.swap.current, not here).
void parse_v2_memory_stat(const std::string& text, Stats& stats);

// "oom_kill N" of v1 memory.oom_control (kernel >= 4.13) or v2 memory.events.
void parse_oom_kill(const std::string& text, Stats& stats);

// Inverse of runc's shares -> weight conversion (also used by its systemd
// driver), weight = 1 + ((shares - 2) * 9999) / 262142. That map is
// many-to-one (about 26 shares per weight step), so this returns the LARGEST
// shares mapping to `weight`: the runc map of the result is `weight` again,
// and the common 1024 (weight 39) comes back exactly; other values come back
// at most 26 too high. Weight is clamped to [1, 10000], shares to
// [2, 262144]. (Runtimes released after mid-2025 may use a newer log-based
// formula that maps 1024 to 100; weights they set read back inexactly.)
uint64_t shares_from_weight(uint64_t weight);

// Reads every file the parsers above understand (v1: cpuacct.stat, cpu.stat,
// cpu.shares, cpu.cfs_quota_us, cpu.cfs_period_us, memory.stat,
// memory.usage_in_bytes, memory.limit_in_bytes, memory.soft_limit_in_bytes,
// memory.memsw.usage_in_bytes, memory.oom_control, pids.current, tasks,
// cgroup.procs; v2: cpu.stat, cpu.max, cpu.weight, memory.current,
// memory.stat, memory.max, memory.high, memory.swap.current, memory.events,
// pids.current, cgroup.procs, cgroup.threads). threads falls back to
// pids.current; v2 memsw = memory.current + memory.swap.current.
// nullopt when a cgroup directory no longer exists (the container ended).
std::optional<Stats> read(const Paths& paths);

// Counters of a network namespace, summed over every interface but "lo".
struct NetStats {
  uint64_t rx_packets = 0, rx_bytes = 0, rx_errors = 0, rx_dropped = 0;
  uint64_t tx_packets = 0, tx_bytes = 0, tx_errors = 0, tx_dropped = 0;
};

// Parses /proc/<pid>/net/dev text; malformed lines are skipped.
NetStats parse_net_dev(const std::string& text);

// parse_net_dev() of /proc/<pid>/net/dev; nullopt when the process is gone.
std::optional<NetStats> net_of_pid(int pid);

}  // namespace dc::cgroups
