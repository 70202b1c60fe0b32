#include "host/cgroups.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <limits>
#include <map>
#include <string_view>
#include <type_traits>
#include <vector>

namespace dc::cgroups {
namespace {

constexpr double kMicrosPerSec = 1e6;
constexpr double kNanosPerSec = 1e9;
// The v2 unified hierarchy, in place of a v1 controller name.
constexpr std::string_view kUnified;

std::string_view trim(std::string_view s) {
  constexpr std::string_view blanks = " \t\r\n";
  const auto begin = s.find_first_not_of(blanks);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(blanks) - begin + 1);
}

// Calls use(line) for every line of text, without its '\n'.
template <class Use>
void for_each_line(std::string_view text, Use use) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    use(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

// The blank-separated words of a line.
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  while (!(line = trim(line)).empty()) {
    const auto end = std::min(line.find_first_of(" \t"), line.size());
    out.push_back(line.substr(0, end));
    line.remove_prefix(end);
  }
  return out;
}

// The whole of `s` as a T; nullopt for anything else (sign for unsigned, overflow, trailing junk).
template <class T>
std::optional<T> number(std::string_view s) {
  T value{};
  const char* end = s.data() + s.size();
  const auto [stop, error] = std::from_chars(s.data(), end, value);
  if (s.empty() || error != std::errc() || stop != end) return std::nullopt;
  return value;
}

// Every word of `s` as a counter; nullopt when any word is not one.
std::optional<std::vector<uint64_t>> counters(std::string_view s) {
  std::vector<uint64_t> out;
  for (auto word : words(s)) {
    auto value = number<uint64_t>(word);
    if (!value) return std::nullopt;
    out.push_back(*value);
  }
  return out;
}

// "key value" lines (cpu.stat, memory.stat, memory.events, ...); malformed lines are dropped.
using KeyValues = std::map<std::string, uint64_t, std::less<>>;

KeyValues key_values(std::string_view text) {
  KeyValues out;
  for_each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() != 2) return;
    if (auto value = number<uint64_t>(w[1])) out.emplace(w[0], *value);
  });
  return out;
}

std::optional<uint64_t> get(const KeyValues& kv, std::string_view key) {
  const auto it = kv.find(key);
  if (it == kv.end()) return std::nullopt;
  return it->second;
}

std::optional<double> seconds(std::optional<uint64_t> count, double per_second) {
  if (!count) return std::nullopt;
  return static_cast<double>(*count) / per_second;
}

// Assigns only present values, so one file never erases what another set;
// counters too large for a narrower field saturate rather than wrap.
template <class T, class U>
void set(std::optional<T>& field, const std::optional<U>& value) {
  if (!value) return;
  if constexpr (std::is_integral_v<T> && std::is_unsigned_v<U>)
    field = static_cast<T>(std::min<uint64_t>(*value, std::numeric_limits<T>::max()));
  else
    field = *value;
}

// nr_periods and nr_throttled mean the same in v1 and v2; only the unit of the throttled time differs.
void set_throttling(Stats& stats, const KeyValues& kv, std::string_view time_key, double per_second) {
  set(stats.cpus_nr_periods, get(kv, "nr_periods"));
  set(stats.cpus_nr_throttled, get(kv, "nr_throttled"));
  set(stats.cpus_throttled_time_secs, seconds(get(kv, time_key), per_second));
}

// Mesos reports anonymous memory as both rss and anon, page cache as both cache and file.
void set_memory(Stats& stats, std::optional<uint64_t> anon, std::optional<uint64_t> file,
                std::optional<uint64_t> mapped, std::optional<uint64_t> unevictable) {
  set(stats.mem_rss_bytes, anon);
  set(stats.mem_anon_bytes, anon);
  set(stats.mem_cache_bytes, file);
  set(stats.mem_file_bytes, file);
  set(stats.mem_mapped_file_bytes, mapped);
  set(stats.mem_unevictable_bytes, unevictable);
}

// v1 memory.stat: total_<key> includes child cgroups; plain <key> only when there is no total.
std::optional<uint64_t> hierarchical(const KeyValues& kv, const std::string& key) {
  const auto total = get(kv, "total_" + key);
  return total ? total : get(kv, key);
}

// A CFS quota in µs; nullopt for "no quota", spelt -1 in v1 and "max" in v2.
std::optional<int64_t> quota(std::string_view s) {
  const auto us = number<int64_t>(s);
  if (!us || *us < 0) return std::nullopt;
  return us;
}

// ---- /proc/<pid>/cgroup and mountinfo ----

// One "hierarchy-id:controllers:path" line of /proc/<pid>/cgroup.
struct Membership {
  std::string controllers, path;
};

// The fields of a mountinfo line that locate a cgroup hierarchy.
struct Mount {
  std::string root, point, fstype, options;
};

std::vector<Membership> memberships(std::string_view text) {
  std::vector<Membership> out;
  for_each_line(text, [&](std::string_view line) {
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos || line.substr(second + 1, 1) != "/") return;
    out.push_back({std::string(line.substr(first + 1, second - first - 1)), std::string(line.substr(second + 1))});
  });
  return out;
}

// mountinfo escapes blanks and backslashes in paths as \ooo (octal).
std::string unescape(std::string_view s) {
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && octal(s[i + 1]) && octal(s[i + 2]) && octal(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "id parent dev root point options [optional fields...] - fstype source superoptions"
std::vector<Mount> mounts(std::string_view text) {
  constexpr std::ptrdiff_t kFirstOptional = 6;
  std::vector<Mount> out;
  for_each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.end() - w.begin() < kFirstOptional) return;
    const auto dash = std::find(w.begin() + kFirstOptional, w.end(), "-");
    if (w.end() - dash < 4) return;
    out.push_back({unescape(w[3]), unescape(w[4]), std::string(dash[1]), std::string(dash[3])});
  });
  return out;
}

bool has_item(std::string_view comma_list, std::string_view item) {
  for (size_t start = 0; start <= comma_list.size();) {
    const auto end = std::min(comma_list.find(',', start), comma_list.size());
    if (comma_list.substr(start, end - start) == item) return true;
    start = end + 1;
  }
  return false;
}

bool holds(const Membership& m, std::string_view controller) {
  return controller == kUnified ? m.controllers.empty() : has_item(m.controllers, controller);
}

bool serves(const Mount& m, std::string_view controller) {
  return controller == kUnified ? m.fstype == "cgroup2" : m.fstype == "cgroup" && has_item(m.options, controller);
}

// Where `cgroup` appears below mount `m`; nullopt when the mount exposes only
// another part of the hierarchy (its root is not above the cgroup).
std::optional<std::string> under(const Mount& m, std::string_view cgroup) {
  const auto root = m.root == "/" ? std::string_view() : std::string_view(m.root);
  if (cgroup.substr(0, root.size()) != root) return std::nullopt;
  auto rest = cgroup.substr(root.size());
  if (!rest.empty() && rest[0] != '/') return std::nullopt;
  return m.point + std::string(rest == "/" ? "" : rest);
}

// Directory of the process's cgroup for `controller`; empty when not mounted.
std::string locate(const std::vector<Membership>& ms, const std::vector<Mount>& mts, std::string_view controller) {
  for (const auto& m : ms) {
    if (!holds(m, controller)) continue;
    for (const auto& mount : mts)
      if (serves(mount, controller))
        if (auto dir = under(mount, m.path)) return *dir;
  }
  return {};
}

// ---- files ----

// Whole text of a file; nullopt when it cannot be opened or read (e.g. its
// cgroup was removed meanwhile), so a half-read file is never parsed.
std::optional<std::string> read_text(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (n < 0) return std::nullopt;
  return text;
}

// dir/name; nullopt when the controller is not mounted (empty dir) or the file is unreadable.
std::optional<std::string> read_text(const std::string& dir, const char* name) {
  if (dir.empty()) return std::nullopt;
  return read_text(dir + "/" + name);
}

template <class T>
std::optional<T> value(const std::string& dir, const char* name, std::optional<T> (*parse)(const std::string&)) {
  const auto text = read_text(dir, name);
  return text ? parse(*text) : std::nullopt;
}

void fill(const std::string& dir, const char* name, void (*parse)(const std::string&, Stats&), Stats& stats) {
  if (const auto text = read_text(dir, name)) parse(*text, stats);
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Docker removes every controller's directory when the container ends: one
// missing means it is over. Paths with no directory at all describe nothing.
bool dirs_exist(const Paths& p) {
  if (p.v2) return is_dir(p.unified);
  bool any = false;
  for (const std::string* dir : {&p.cpu, &p.cpuacct, &p.memory, &p.pids}) {
    if (dir->empty()) continue;
    if (!is_dir(*dir)) return false;
    any = true;
  }
  return any;
}

// cgroup.procs and the task list exist in every v1 controller's directory; pids is the natural home.
const std::string& v1_tasks_dir(const Paths& p) {
  for (const std::string* dir : {&p.pids, &p.memory, &p.cpu, &p.cpuacct})
    if (!dir->empty()) return *dir;
  return p.pids;
}

// The kernel's pids.current counts tasks, i.e. threads: the fallback when the list is unreadable.
void count_tasks(const std::string& dir, const char* thread_list, const std::string& pids_dir, Stats& stats) {
  stats.processes = value(dir, "cgroup.procs", count_ids);
  stats.threads = value(dir, thread_list, count_ids);
  if (!stats.threads) set(stats.threads, value(pids_dir, "pids.current", parse_u64));
}

void read_v1(const Paths& p, Stats& stats) {
  fill(p.cpuacct, "cpuacct.stat",
       [](const std::string& text, Stats& s) { parse_v1_cpuacct_stat(text, ::sysconf(_SC_CLK_TCK), s); }, stats);
  fill(p.cpu, "cpu.stat", parse_v1_cpu_stat, stats);
  stats.cpu_shares = value(p.cpu, "cpu.shares", parse_u64);
  stats.cfs_quota_us = value(p.cpu, "cpu.cfs_quota_us", parse_v1_cfs_quota);
  stats.cfs_period_us = value(p.cpu, "cpu.cfs_period_us", parse_u64);
  fill(p.memory, "memory.stat", parse_v1_memory_stat, stats);
  stats.mem_total_bytes = value(p.memory, "memory.usage_in_bytes", parse_u64);
  stats.mem_limit_bytes = value(p.memory, "memory.limit_in_bytes", parse_limit);
  stats.mem_soft_limit_bytes = value(p.memory, "memory.soft_limit_in_bytes", parse_limit);
  stats.mem_total_memsw_bytes = value(p.memory, "memory.memsw.usage_in_bytes", parse_u64);
  fill(p.memory, "memory.oom_control", parse_oom_kill, stats);
  count_tasks(v1_tasks_dir(p), "tasks", p.pids, stats);
}

void read_v2(const std::string& dir, Stats& stats) {
  fill(dir, "cpu.stat", parse_v2_cpu_stat, stats);
  fill(dir, "cpu.max", parse_v2_cpu_max, stats);
  if (const auto weight = value(dir, "cpu.weight", parse_u64)) stats.cpu_shares = shares_from_weight(*weight);
  fill(dir, "memory.stat", parse_v2_memory_stat, stats);
  stats.mem_total_bytes = value(dir, "memory.current", parse_u64);
  stats.mem_limit_bytes = value(dir, "memory.max", parse_limit);
  stats.mem_soft_limit_bytes = value(dir, "memory.high", parse_limit);
  stats.mem_swap_bytes = value(dir, "memory.swap.current", parse_u64);
  // v1's memsw counter is memory plus swap; v2 accounts them separately.
  if (stats.mem_total_bytes && stats.mem_swap_bytes)
    stats.mem_total_memsw_bytes = *stats.mem_total_bytes + *stats.mem_swap_bytes;
  fill(dir, "memory.events", parse_oom_kill, stats);
  count_tasks(dir, "cgroup.threads", dir, stats);
}

}  // namespace

std::optional<Paths> paths_from(const std::string& proc_pid_cgroup, const std::string& mountinfo) {
  const auto ms = memberships(proc_pid_cgroup);
  const auto mts = mounts(mountinfo);
  Paths p;
  p.cpu = locate(ms, mts, "cpu");
  p.cpuacct = locate(ms, mts, "cpuacct");
  p.memory = locate(ms, mts, "memory");
  p.pids = locate(ms, mts, "pids");
  if (!(p.cpu + p.cpuacct + p.memory + p.pids).empty()) return p;
  p.unified = locate(ms, mts, kUnified);
  if (p.unified.empty()) return std::nullopt;
  p.v2 = true;
  return p;
}

std::optional<Paths> paths_of_pid(int pid) {
  const auto cgroup = read_text("/proc/" + std::to_string(pid) + "/cgroup");
  const auto mountinfo = read_text("/proc/self/mountinfo");
  if (!cgroup || !mountinfo) return std::nullopt;
  return paths_from(*cgroup, *mountinfo);
}

std::optional<uint64_t> parse_u64(const std::string& text) { return number<uint64_t>(trim(text)); }

std::optional<uint64_t> parse_limit(const std::string& text) {
  constexpr uint64_t kUnlimited = uint64_t{1} << 62;
  const auto limit = parse_u64(text);
  if (!limit || *limit >= kUnlimited) return std::nullopt;
  return limit;
}

std::optional<int64_t> parse_v1_cfs_quota(const std::string& text) { return quota(trim(text)); }

std::optional<uint32_t> count_ids(const std::string& text) {
  uint32_t count = 0;
  bool valid = true;
  for_each_line(text, [&](std::string_view line) {
    if (trim(line).empty()) return;
    valid = valid && number<uint64_t>(trim(line)).has_value();
    ++count;
  });
  if (!valid) return std::nullopt;
  return count;
}

void parse_v1_cpuacct_stat(const std::string& text, long clk_tck, Stats& stats) {
  if (clk_tck <= 0) return;
  const auto kv = key_values(text);
  const auto per_second = static_cast<double>(clk_tck);
  set(stats.cpus_user_time_secs, seconds(get(kv, "user"), per_second));
  set(stats.cpus_system_time_secs, seconds(get(kv, "system"), per_second));
}

void parse_v1_cpu_stat(const std::string& text, Stats& stats) {
  set_throttling(stats, key_values(text), "throttled_time", kNanosPerSec);
}

void parse_v1_memory_stat(const std::string& text, Stats& stats) {
  const auto kv = key_values(text);
  set_memory(stats, hierarchical(kv, "rss"), hierarchical(kv, "cache"), hierarchical(kv, "mapped_file"),
             hierarchical(kv, "unevictable"));
  set(stats.mem_swap_bytes, hierarchical(kv, "swap"));
}

void parse_v2_cpu_stat(const std::string& text, Stats& stats) {
  const auto kv = key_values(text);
  set(stats.cpus_user_time_secs, seconds(get(kv, "user_usec"), kMicrosPerSec));
  set(stats.cpus_system_time_secs, seconds(get(kv, "system_usec"), kMicrosPerSec));
  set_throttling(stats, kv, "throttled_usec", kMicrosPerSec);
}

void parse_v2_cpu_max(const std::string& text, Stats& stats) {
  const auto w = words(text);
  if (w.size() != 2) return;
  set(stats.cfs_quota_us, quota(w[0]));
  set(stats.cfs_period_us, number<uint64_t>(w[1]));
}

void parse_v2_memory_stat(const std::string& text, Stats& stats) {
  const auto kv = key_values(text);
  set_memory(stats, get(kv, "anon"), get(kv, "file"), get(kv, "file_mapped"), get(kv, "unevictable"));
}

void parse_oom_kill(const std::string& text, Stats& stats) { set(stats.oom_kills, get(key_values(text), "oom_kill")); }

uint64_t shares_from_weight(uint64_t weight) {
  constexpr uint64_t kMinShares = 2, kMaxShares = 262144, kMaxWeight = 10000;
  const uint64_t w = std::clamp<uint64_t>(weight, 1, kMaxWeight);
  // runc's integer division maps to `w` every shares with (shares - 2) * 9999 < w * 262142.
  return std::min(kMinShares + (w * (kMaxShares - kMinShares) - 1) / (kMaxWeight - 1), kMaxShares);
}

std::optional<Stats> read(const Paths& paths) {
  if (!dirs_exist(paths)) return std::nullopt;
  Stats stats;
  if (paths.v2)
    read_v2(paths.unified, stats);
  else
    read_v1(paths, stats);
  return stats;
}

NetStats parse_net_dev(const std::string& text) {
  // After "<iface>:" come 8 receive then 8 transmit counters, each group
  // starting with bytes, packets, errs, drop.
  constexpr size_t kColumns = 16, kTx = 8;
  NetStats net;
  for_each_line(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;  // the two header lines
    const auto name = trim(line.substr(0, colon));
    const auto c = counters(line.substr(colon + 1));
    if (name.empty() || name == "lo" || !c || c->size() < kColumns) return;
    const auto& v = *c;
    net.rx_bytes += v[0];
    net.rx_packets += v[1];
    net.rx_errors += v[2];
    net.rx_dropped += v[3];
    net.tx_bytes += v[kTx];
    net.tx_packets += v[kTx + 1];
    net.tx_errors += v[kTx + 2];
    net.tx_dropped += v[kTx + 3];
  });
  return net;
}

std::optional<NetStats> net_of_pid(int pid) {
  const auto text = read_text("/proc/" + std::to_string(pid) + "/net/dev");
  if (!text) return std::nullopt;
  return parse_net_dev(*text);
}

}  // namespace dc::cgroups
