#include "container/sweep.hpp"

#include <filesystem>
#include <optional>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "container/state.hpp"
#include "docker/docker.hpp"
#include "host/process.hpp"

namespace dc::sweep {
namespace {

namespace fs = std::filesystem;

// What the sweep would do to a record: nothing, remove its container, or
// forget it (its container is gone and the agent collected its sandbox).
enum class Due { nothing, removal, forgetting };

Due due(const state::Record& record, const Settings& settings) {
  // Another agent's (a shared state directory) is its own sweep's.
  if (!state::ours(record, settings.environment.work_directory)) return Due::nothing;
  // Until a wait delivered the Termination the container stays, so that
  // `containers` keeps listing it and the agent comes to wait for it.
  if (!record.termination || !record.delivered) return Due::nothing;
  if (!record.removed)
    return clock::wall_seconds() - record.ended_at >= settings.remove_delay ? Due::removal : Due::nothing;
  std::error_code ignored;
  return fs::exists(record.sandbox, ignored) ? Due::nothing : Due::forgetting;
}

// Does what is due to one record.
void sweep_record(const Settings& settings, const state::Store& store, const std::string& id,
                  std::optional<docker::Client>& docker) {
  auto locked = state::Locked::open(store, id);
  if (!locked) return;
  auto& record = locked->record();
  if (due(record, settings) == Due::removal) {
    if (!docker) docker.emplace(docker::cli_of(settings));
    docker->remove(record.name);
    record.removed = true;
    locked->save();
    spdlog::info("removed ended container {}", record.name);
  }
  if (due(record, settings) == Due::forgetting) locked->remove();
}

}  // namespace

void run(const Settings& settings) {
  state::Store store(settings.state_dir);
  std::optional<docker::Client> docker;
  // One container that cannot be removed blocks no other: it is tried
  // again by the next sweep.
  for (const auto& id : store.ids()) {
    try {
      sweep_record(settings, store, id, docker);
    } catch (const std::exception& e) {
      spdlog::warn("container {}: not cleaned up: {}", id, e.what());
    }
  }
}

void start(const Settings& settings, const std::set<std::string>& running) {
  // Called after the result is written: a failure here must not fail the call.
  try {
    // A look without locks first: forking a sweeper when there is nothing
    // to do would cost every `containers` and `wait` call for nothing.
    state::Store store(settings.state_dir);
    bool needed = false;
    for (const auto& id : store.ids()) {
      if (needed || running.count(id)) continue;
      auto record = store.peek(id);
      needed = record && due(*record, settings) != Due::nothing;
    }
    if (needed) process::detached([&settings] {
      run(settings);
      return 0;
    });
  } catch (const std::exception& e) {
    spdlog::warn("cleanup of ended containers not started: {}", e.what());
  }
}

}  // namespace dc::sweep
