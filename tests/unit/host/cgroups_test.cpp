#include "host/cgroups.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <limits>
#include <sstream>

using namespace dc::cgroups;

namespace {

const std::string kCgroupFixtures = std::string(DC_FIXTURES_DIR) + "/cgroup";
const std::string kV1 = kCgroupFixtures + "/v1";
const std::string kV2 = kCgroupFixtures + "/v2";
const std::string kV1Id = "c9e5f2f5c7d5d16b461f9d23cf6cd0be30be07405de992754b4090806845cb3c";
const std::string kV2Id = "3f9a1c7e5b2d48e6a0c4f7b19d3e8a52c6b0f1d7e4a9c2b58f6d3e1a7c0b9f24";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The fields that are set, "name=value" a line, in the struct's order: one
// CHECK compares them all, and a failure shows each difference.
std::string fields(const Stats& s) {
  std::ostringstream out;
  auto put = [&out](const char* name, const auto& value) {
    if (value) out << name << '=' << *value << '\n';
  };
#define DC_FIELD(name) put(#name, s.name)
  DC_FIELD(cpus_user_time_secs), DC_FIELD(cpus_system_time_secs), DC_FIELD(cpus_nr_periods);
  DC_FIELD(cpus_nr_throttled), DC_FIELD(cpus_throttled_time_secs), DC_FIELD(cpu_shares), DC_FIELD(cfs_quota_us);
  DC_FIELD(cfs_period_us), DC_FIELD(mem_rss_bytes), DC_FIELD(mem_anon_bytes), DC_FIELD(mem_file_bytes);
  DC_FIELD(mem_mapped_file_bytes), DC_FIELD(mem_cache_bytes), DC_FIELD(mem_total_bytes), DC_FIELD(mem_swap_bytes);
  DC_FIELD(mem_unevictable_bytes), DC_FIELD(mem_limit_bytes), DC_FIELD(mem_soft_limit_bytes);
  DC_FIELD(mem_total_memsw_bytes), DC_FIELD(processes), DC_FIELD(threads), DC_FIELD(oom_kills);
#undef DC_FIELD
  return out.str();
}

bool is_empty(const Stats& s) { return fields(s).empty(); }

std::string fields(const NetStats& n) {
  std::ostringstream out;
  out << "rx " << n.rx_packets << ' ' << n.rx_bytes << ' ' << n.rx_errors << ' ' << n.rx_dropped << ", tx "
      << n.tx_packets << ' ' << n.tx_bytes << ' ' << n.tx_errors << ' ' << n.tx_dropped;
  return out.str();
}

// runc's shares -> weight map, the one shares_from_weight() inverts.
uint64_t runc_weight(uint64_t shares) { return 1 + ((shares - 2) * 9999) / 262142; }

Paths v1_fixture() {
  Paths p;
  p.cpu = p.cpuacct = p.memory = p.pids = kV1;
  return p;
}

Paths v2_fixture() {
  Paths p;
  p.v2 = true;
  p.unified = kV2;
  return p;
}

}  // namespace

TEST_CASE("paths_from resolves a captured cgroup v1 container on a hybrid host") {
  const auto p = paths_from(slurp(kV1 + "/proc_pid_cgroup"), slurp(kV1 + "/mountinfo"));
  REQUIRE(p);
  CHECK_FALSE(p->v2);
  CHECK(p->cpu == "/sys/fs/cgroup/cpu/docker/" + kV1Id);
  CHECK(p->cpuacct == "/sys/fs/cgroup/cpuacct/docker/" + kV1Id);
  CHECK(p->memory == "/sys/fs/cgroup/memory/docker/" + kV1Id);
  CHECK(p->pids == "/sys/fs/cgroup/pids/docker/" + kV1Id);
  CHECK(p->unified.empty());
}

TEST_CASE("paths_from resolves a cgroup v2 container") {
  const auto p = paths_from(slurp(kV2 + "/proc_pid_cgroup"), slurp(kV2 + "/mountinfo"));
  REQUIRE(p);
  CHECK(p->v2);
  CHECK(p->unified == "/sys/fs/cgroup/system.slice/docker-" + kV2Id + ".scope");
  CHECK((p->cpu + p->cpuacct + p->memory + p->pids).empty());
}

TEST_CASE("paths_from handles co-mounted controllers, optional fields, escapes and bind-mounted roots") {
  const std::string cgroup =
      "12:pids:/docker/abc\n"
      "4:cpu,cpuacct:/docker/abc\n"
      "3:memory:/docker/abc/sub\n"
      "1:name=systemd:/docker/abc\n";
  // Inside a container: each hierarchy is mounted from the container's own cgroup.
  const std::string mountinfo =
      "700 690 0:31 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid shared:9 master:3 - cgroup cgroup rw,cpu,cpuacct\n"
      "701 690 0:32 /docker/abc /sys/fs/cgroup/mem\\040ory ro,nosuid shared:10 - cgroup cgroup rw,memory\n"
      "702 690 0:33 /docker/abc /sys/fs/cgroup/pids ro,nosuid - cgroup cgroup rw,pids\n";
  const auto p = paths_from(cgroup, mountinfo);
  REQUIRE(p);
  CHECK_FALSE(p->v2);
  CHECK(p->cpu == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK(p->cpuacct == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK(p->memory == "/sys/fs/cgroup/mem ory/sub");
  CHECK(p->pids == "/sys/fs/cgroup/pids");
}

TEST_CASE("paths_from leaves out controllers it cannot reach") {
  const std::string mountinfo = "32 31 0:29 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
  SECTION("a cgroup outside the mounted subtree") { CHECK_FALSE(paths_from("4:memory:/docker/abcd\n", mountinfo)); }
  SECTION("an unmounted controller") {
    const auto p = paths_from("4:memory:/docker/abc\n8:pids:/docker/abc\n", mountinfo);
    REQUIRE(p);
    CHECK(p->memory == "/sys/fs/cgroup/memory");
    CHECK(p->pids.empty());
  }
}

TEST_CASE("paths_from rejects empty and malformed input") {
  CHECK_FALSE(paths_from("", ""));
  CHECK_FALSE(paths_from("garbage\n::\n1:cpu\n2:cpu:relative\n", "- - -\n1 2 3\n\n"));
  CHECK_FALSE(paths_from(slurp(kV1 + "/proc_pid_cgroup"), ""));
  CHECK_FALSE(paths_from("", slurp(kV1 + "/mountinfo")));
  CHECK_FALSE(paths_from("0::/x\n", "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime cgroup2 cgroup2 rw\n"));
}

TEST_CASE("paths_of_pid finds this process's cgroups and nothing for a missing process") {
  CHECK(paths_of_pid(static_cast<int>(::getpid())));
  CHECK_FALSE(paths_of_pid(-1));
}

TEST_CASE("read reports every field of a captured cgroup v1 container") {
  // docker run -m 64m --cpu-shares 512 --cpu-quota 50000, captured where
  // USER_HZ (sysconf's clock tick) is 100, as it is on every Linux.
  REQUIRE(::sysconf(_SC_CLK_TCK) == 100);
  const auto s = read(v1_fixture());
  REQUIRE(s);
  CHECK(fields(*s) == slurp(kV1 + "/expected_stats"));  // no mem_soft_limit_bytes: "unlimited"
}

TEST_CASE("read reports every field of a cgroup v2 container") {
  const auto s = read(v2_fixture());
  REQUIRE(s);
  // cpu_shares from cpu.weight 39; no cfs_quota_us (cpu.max "max 100000") nor
  // mem_soft_limit_bytes (memory.high "max"); memsw is current + swap.current.
  CHECK(fields(*s) == slurp(kV2 + "/expected_stats"));
}

TEST_CASE("read returns nullopt once the container's cgroup is gone") {
  CHECK_FALSE(read(Paths{}));
  Paths gone = v2_fixture();
  gone.unified = kCgroupFixtures + "/no-such-container";
  CHECK_FALSE(read(gone));
  Paths partly_gone = v1_fixture();
  partly_gone.memory = gone.unified;
  CHECK_FALSE(read(partly_gone));
}

TEST_CASE("read leaves fields unset for files that are absent") {
  Paths only_dirs;  // holds v1/ and v2/ but no cgroup file
  only_dirs.v2 = true;
  only_dirs.unified = kCgroupFixtures;
  const auto s = read(only_dirs);
  REQUIRE(s);
  CHECK(is_empty(*s));
}

TEST_CASE("parsers ignore empty and malformed input") {
  const std::string inputs[] = {"", "\n\n", "garbage", "user\nsystem x\n: :\n\x01\xff", "nr_periods -5\nanon 12 34\n"};
  for (const auto& text : inputs) {
    Stats s;
    parse_v1_cpuacct_stat(text, 100, s);
    parse_v1_cpu_stat(text, s);
    parse_v1_memory_stat(text, s);
    parse_v2_cpu_stat(text, s);
    parse_v2_cpu_max(text, s);
    parse_v2_memory_stat(text, s);
    parse_oom_kill(text, s);
    CHECK(is_empty(s));
    CHECK_FALSE(parse_u64(text));
    CHECK_FALSE(parse_limit(text));
    CHECK_FALSE(parse_v1_cfs_quota(text));
  }
}

TEST_CASE("parsers keep the good lines of a partly malformed file") {
  Stats s;
  parse_v1_cpu_stat("nr_periods 99999999999999999999999\nnr_throttled 3\nthrottled_time 2.5\n", s);
  CHECK_FALSE(s.cpus_nr_periods);
  CHECK(s.cpus_nr_throttled == 3u);
  CHECK_FALSE(s.cpus_throttled_time_secs);
}

TEST_CASE("parse_v1_cpuacct_stat converts ticks and refuses a zero tick rate") {
  Stats s;
  parse_v1_cpuacct_stat("user 250\nsystem 50\n", 0, s);
  CHECK(is_empty(s));
  parse_v1_cpuacct_stat("user 250\nsystem 50\n", 100, s);
  CHECK(s.cpus_user_time_secs == Approx(2.5));
  CHECK(s.cpus_system_time_secs == Approx(0.5));
}

TEST_CASE("parse_v1_memory_stat falls back to the non-hierarchical keys") {
  Stats s;
  parse_v1_memory_stat("cache 10\nrss 20\nmapped_file 5\nswap 7\nunevictable 1\n", s);
  CHECK(fields(s) ==
        "mem_rss_bytes=20\nmem_anon_bytes=20\nmem_file_bytes=10\nmem_mapped_file_bytes=5\nmem_cache_bytes=10\n"
        "mem_swap_bytes=7\nmem_unevictable_bytes=1\n");
}

TEST_CASE("counters too large for 32 bits saturate") {
  Stats s;
  parse_v2_cpu_stat("nr_periods 1099511627776\n", s);
  CHECK(s.cpus_nr_periods == std::numeric_limits<uint32_t>::max());
}

TEST_CASE("unlimited limits and quotas leave their fields unset") {
  CHECK_FALSE(parse_limit("max\n"));
  CHECK_FALSE(parse_limit("9223372036854771712\n"));  // 4 KiB pages
  CHECK_FALSE(parse_limit("9223372036854710272\n"));  // 64 KiB pages
  CHECK(parse_limit("67108864\n") == 67108864u);
  CHECK_FALSE(parse_v1_cfs_quota("-1\n"));
  CHECK(parse_v1_cfs_quota("50000\n") == 50000);

  Stats no_quota;
  parse_v2_cpu_max("max 100000\n", no_quota);
  CHECK_FALSE(no_quota.cfs_quota_us);
  CHECK(no_quota.cfs_period_us == 100000u);
  Stats quota;
  parse_v2_cpu_max("50000 100000\n", quota);
  CHECK(quota.cfs_quota_us == 50000);
  CHECK(quota.cfs_period_us == 100000u);
}

TEST_CASE("count_ids counts one id per line") {
  CHECK(count_ids("") == 0u);
  CHECK(count_ids("12\n13\n\n") == 2u);
  CHECK_FALSE(count_ids("12\nbad\n"));
}

TEST_CASE("shares_from_weight inverts runc's conversion") {
  CHECK(runc_weight(1024) == 39);
  CHECK(shares_from_weight(39) == 1024u);
  CHECK(shares_from_weight(10000) == 262144u);
  CHECK(shares_from_weight(0) == shares_from_weight(1));
  CHECK(shares_from_weight(20000) == 262144u);
  for (uint64_t weight = 1; weight <= 10000; ++weight) REQUIRE(runc_weight(shares_from_weight(weight)) == weight);
  // A weight step spans about 26 shares; the largest of them comes back.
  for (uint64_t shares : {2u, 102u, 512u, 1024u, 2048u, 4096u, 262144u}) {
    const uint64_t back = shares_from_weight(runc_weight(shares));
    CHECK(back >= shares);
    CHECK(back - shares <= 26);
  }
}

TEST_CASE("parse_net_dev sums every interface but lo") {
  CHECK(fields(parse_net_dev(slurp(kV1 + "/net_dev"))) == "rx 12 1072 0 0, tx 4 336 0 0");
  const auto summed = parse_net_dev(
      "  lo: 9 9 9 9 0 0 0 0 9 9 9 9 0 0 0 0\n"
      "eth0: 100 10 1 2 0 0 0 0 50 5 3 4 0 0 0 0\n"
      "eth1:200 20 1 1 0 0 0 0 60 6 1 1 0 0 0 0\n"
      "eth2: 1 2 3\n"
      "eth3: 1 2 3 4 x 0 0 0 5 6 7 8 0 0 0 0\n"
      ": 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n");
  CHECK(fields(summed) == "rx 30 300 2 3, tx 11 110 4 5");
  CHECK(fields(parse_net_dev("garbage\n\x01::\n")) == "rx 0 0 0 0, tx 0 0 0 0");
}

TEST_CASE("net_of_pid reads this process's namespace and nothing for a missing process") {
  CHECK(net_of_pid(static_cast<int>(::getpid())));
  CHECK_FALSE(net_of_pid(-1));
}
