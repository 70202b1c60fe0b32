#include "resources.hpp"

#include <algorithm>

namespace dc::resources {

void add(const List& list, Allotment& into) {
  for (const auto& resource : list) {
    if (!resource.has_scalar()) continue;
    const double value = resource.scalar().value();
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

uint64_t cpu_shares(double cpus) {
  return std::max<uint64_t>(2, static_cast<uint64_t>(cpus * 1024));
}

uint64_t memory_bytes(double mem_mib) {
  return std::max<uint64_t>(32ull << 20, static_cast<uint64_t>(mem_mib * (1 << 20)));
}

uint64_t cfs_quota_us(double cpus) {
  return std::max<uint64_t>(1000, static_cast<uint64_t>(cpus * kCfsPeriodUs));
}

}  // namespace dc::resources
