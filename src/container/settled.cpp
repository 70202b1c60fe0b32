#include "container/settled.hpp"

#include "base/clock.hpp"
#include "base/log.hpp"
#include "container/hooks.hpp"

namespace dc::ending {
namespace {

using termination::Exit;

// A command task's container ends with its task (host and override mode).
// The agent reports a task that no update of the executor ended with the
// Termination's state (Slave::sendExecutorTerminatedStatusUpdate, 0.28 and
// 1.0; without one, TASK_FAILED): give it the task's real end. A destroy is
// left alone: the agent then has its own reason.
void tell_task_end(state::Record& record, const Exit& container) {
  auto& termination = *record.termination;
  if (record.task_end) {
    termination.set_state(record.task_end->state());
    termination.set_message(record.task_end->message());
    termination.clear_reasons();
    for (int reason : record.task_end->reasons())
      termination.add_reasons(static_cast<mesos::TaskStatus::Reason>(reason));
  } else if (!termination.has_state()) {
    termination.set_state(container.status == 0 ? mesos::TASK_FINISHED : mesos::TASK_FAILED);
  }
}

}  // namespace

mesos::containerizer::Termination settle(const Settings& settings, state::Locked& locked, const Exit& container,
                                         std::optional<int> executor_status) {
  auto& record = locked.record();
  if (record.termination) return *record.termination;
  Exit reported = container;
  // The host executor's status stands for the container's, unless the
  // container ended by the memory limit: that is what the agent must hear
  // (Mesos's command executor reports the task and exits 0).
  if (executor_status && !(container.oom && container.status != 0)) reported.status = *executor_status;
  record.termination = termination::make(reported, record.destroying, record.mem_bytes);
  if (record.override_mode && !record.destroying) tell_task_end(record, container);
  record.ended_at = clock::wall_seconds();
  locked.save();
  spdlog::info("container {} ended: {}", record.container_id, record.termination->message());
  // The durable save above is the `ended` hook's claim: whoever records the
  // Termination runs the hook, and no one records it twice. At most once:
  // a crash (or the agent's SIGKILL) between the save and the hook's end
  // loses that run instead of repeating it, because the rule is
  // "never twice" and a hook that registers and deregisters services or
  // firewall rules must not act twice on one container. Without the lock:
  // every other call on the container reads the Termination meanwhile.
  locked.release();
  hooks::ended(settings, record);
  return *record.termination;
}

void delivered(const Settings& settings, const std::string& id) {
  try {
    state::Store store(settings.state_dir);
    auto locked = state::Locked::open(store, id);
    if (!locked || locked->record().delivered || !locked->record().termination) return;
    locked->record().delivered = true;
    locked->save();
  } catch (const std::exception& e) {
    spdlog::warn("container {}: delivery not recorded: {}", id, e.what());
  }
}

}  // namespace dc::ending
