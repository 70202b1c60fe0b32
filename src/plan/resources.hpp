#pragma once
// What the agent allotted a container, from Resource lists, and the cgroup
// values Mesos derives from it (cpu shares, memory bytes, CFS quota).
#include <google/protobuf/repeated_field.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "mesos.pb.h"

namespace dc::resources {

using List = google::protobuf::RepeatedPtrField<mesos::Resource>;

struct Allotment {
  std::optional<double> cpus;
  std::optional<double> mem_mib;
};

// Sums the scalar `cpus` and `mem` of `list` into `into`; throws dc::Error
// for a negative, infinite or NaN value of either.
void add(const List& list, Allotment& into);

// True when some `ports` range of `list` holds `port`.
bool has_port(const List& list, uint64_t port);
// True when `list` has a `ports` resource.
bool has_ports(const List& list);
// The ports of `list`'s `ports` ranges in the order given (the agent
// never allots one twice), at most `limit` of them; values beyond 65535
// are no ports and are skipped.
std::vector<uint32_t> ports(const List& list, size_t limit);

// max(2, cpus x 1024), truncated first, as Mesos does.
uint64_t cpu_shares(double cpus);
// max(32 MiB, mem), in bytes.
uint64_t memory_bytes(double mem_mib);
// CFS: period 100 ms, quota cpus x period with a 1 ms minimum, in µs.
// All three saturate at INT64_MAX rather than overflow.
constexpr uint64_t kCfsPeriodUs = 100000;
uint64_t cfs_quota_us(double cpus);

}  // namespace dc::resources
