#include "container/capacity.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/log.hpp"
#include "container/state.hpp"

namespace dc::capacity {
namespace {

bool settable(const Environment& environment) { return environment.count("MESOS_HTTP_COMMAND_EXECUTOR") > 0; }

}  // namespace

long worker_threads(const Environment& environment, long cores) {
  return worker_threads(environment, cores, settable(environment));
}

long worker_threads(const Environment& environment, long cores, bool reads_variable) {
  const long fallback = std::max(8L, cores);
  auto set = environment.find("LIBPROCESS_NUM_WORKER_THREADS");
  if (!reads_variable || set == environment.end()) return fallback;
  char* end = nullptr;
  const long value = std::strtol(set->second.c_str(), &end, 10);
  // libprocess ignores a value it cannot parse or outside 1..1024.
  return end != set->second.c_str() && *end == '\0' && value > 0 && value <= 1024 ? value : fallback;
}

std::optional<std::string> warning(long live, long workers, bool can_raise) {
  if (live < workers - 1) return std::nullopt;
  return "the agent holds " + std::to_string(live) + " containers, and the wait on each blocks one of its " +
         std::to_string(workers) + " libprocess worker threads: at " + std::to_string(workers) +
         " it stops until a container ends; " +
         (can_raise ? "start it with LIBPROCESS_NUM_WORKER_THREADS above its most containers (at most 1024)"
                    : "this Mesos has max(8, cores) of them: give the agent fewer containers (--resources)");
}

long live_containers(const std::string& state_dir, const std::string& work_directory) {
  const state::Store store(state_dir);
  long live = 0;
  for (const auto& id : store.ids()) {
    auto record = store.peek(id);
    live += record && state::ours(*record, work_directory) && !record->termination;
  }
  return live;
}

void check(const std::string& state_dir, const std::string& work_directory, const Environment& environment) {
  const long workers = worker_threads(environment, ::sysconf(_SC_NPROCESSORS_ONLN));
  // Reading the records costs a launch time; fewer of them cannot be too many.
  if (static_cast<long>(state::Store(state_dir).ids().size()) < workers - 1) return;
  const long live = live_containers(state_dir, work_directory);
  if (auto text = warning(live, workers, settable(environment))) spdlog::warn("{}", *text);
}

}  // namespace dc::capacity
