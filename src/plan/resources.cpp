#include "plan/resources.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/error.hpp"

namespace dc::resources {
namespace {

// A double to an integer cgroup value without undefined behaviour: docker
// takes int64, so anything larger saturates there (and docker refuses it).
uint64_t saturated(double value) {
  constexpr double kMax = 9223372036854775807.0;
  return value >= kMax ? static_cast<uint64_t>(INT64_MAX) : static_cast<uint64_t>(std::max(0.0, value));
}

}  // namespace

void add(const List& list, Allotment& into) {
  for (const auto& resource : list) {
    if (!resource.has_scalar()) continue;
    const double value = resource.scalar().value();
    if ((resource.name() == "cpus" || resource.name() == "mem") && !(std::isfinite(value) && value >= 0))
      throw Error("resource " + resource.name() + " has an invalid value " + std::to_string(value));
    if (resource.name() == "cpus") into.cpus = into.cpus.value_or(0) + value;
    if (resource.name() == "mem") into.mem_mib = into.mem_mib.value_or(0) + value;
  }
}

bool has_port(const List& list, uint64_t port) {
  for (const auto& resource : list) {
    if (resource.name() != "ports") continue;
    for (const auto& range : resource.ranges().range())
      if (range.begin() <= port && port <= range.end()) return true;
  }
  return false;
}

bool has_ports(const List& list) {
  return std::any_of(list.begin(), list.end(), [](const mesos::Resource& r) { return r.name() == "ports"; });
}

std::vector<uint32_t> ports(const List& list, size_t limit) {
  constexpr uint64_t kLastPort = 65535;
  std::vector<uint32_t> result;
  for (const auto& resource : list) {
    if (resource.name() != "ports") continue;
    for (const auto& range : resource.ranges().range())
      for (uint64_t port = range.begin(); port <= range.end() && port <= kLastPort; ++port) {
        if (result.size() == limit) return result;
        result.push_back(static_cast<uint32_t>(port));
      }
  }
  return result;
}

uint64_t cpu_shares(double cpus) {
  return std::max<uint64_t>(2, saturated(cpus * 1024));
}

uint64_t memory_bytes(double mem_mib) {
  return std::max<uint64_t>(32ull << 20, saturated(mem_mib * (1 << 20)));
}

uint64_t cfs_quota_us(double cpus) {
  return std::max<uint64_t>(1000, saturated(cpus * kCfsPeriodUs));
}

}  // namespace dc::resources
