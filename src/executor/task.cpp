#include "executor/task.hpp"

#include <sys/wait.h>


namespace dc::executor {

Task::Task(std::string executor_id, std::function<std::string()> uuid)
    : executor_id_(std::move(executor_id)), uuid_(std::move(uuid)) {}

mesos::TaskStatus Task::status(mesos::TaskState state) {
  mesos::TaskStatus status;
  *status.mutable_task_id() = task_id_;
  status.mutable_executor_id()->set_value(executor_id_);
  status.set_state(state);
  status.set_source(mesos::TaskStatus::SOURCE_EXECUTOR);
  status.set_uuid(uuid_());
  return status;
}

std::vector<mesos::TaskStatus> Task::launch(const mesos::TaskInfo& task) {
  if (launched()) return {};
  launched_ = true;
  task_ = task;
  task_id_ = task.task_id();
  if (task.has_kill_policy()) kill_policy_ = task.kill_policy();
  std::vector<mesos::TaskStatus> result = {status(mesos::TASK_RUNNING)};
  outbox_.add(result.back());
  for (auto& update : terminal()) result.push_back(update);
  return result;
}

std::optional<Duration> Task::kill(const mesos::KillPolicy* policy, Duration fallback) {
  if (exit_ || killed_) return std::nullopt;
  killed_ = true;
  // The KILL's own policy wins over the task's (as in Mesos).
  const mesos::KillPolicy* chosen = policy && policy->has_grace_period() ? policy
                                    : kill_policy_ && kill_policy_->has_grace_period() ? &*kill_policy_
                                                                                       : nullptr;
  if (!chosen) return fallback;
  return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(chosen->grace_period().nanoseconds()));
}

std::optional<Duration> Task::shutdown(Duration grace) {
  if (exit_ || killed_) return std::nullopt;
  killed_ = true;
  return grace;
}

std::vector<mesos::TaskStatus> Task::ended(const termination::Exit& exit, uint64_t mem_limit_bytes) {
  if (exit_) return {};
  exit_ = exit;
  mem_limit_bytes_ = mem_limit_bytes;
  return terminal();
}

std::vector<mesos::TaskStatus> Task::terminal() {
  if (!exit_ || !launched() || terminal_sent_) return {};
  const int code = exit_->status;
  mesos::TaskStatus update;
  if (WIFEXITED(code) && WEXITSTATUS(code) == 0) {
    update = status(mesos::TASK_FINISHED);
  } else if (exit_->oom) {
    update = status(mesos::TASK_FAILED);
    update.set_reason(mesos::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY);
  } else {
    update = status(killed_ ? mesos::TASK_KILLED : mesos::TASK_FAILED);
  }
  update.set_message(exit_->oom ? termination::make(*exit_, false, mem_limit_bytes_).message()
                                : "Command " + termination::describe(code));
  terminal_sent_ = true;
  outbox_.add(update);
  return {update};
}

void Task::acknowledged(const std::string& uuid) {
  if (outbox_.acknowledge(uuid)) task_.reset();
}

mesos::v1::executor::Call::Subscribe Task::unacknowledged() const {
  mesos::v1::executor::Call::Subscribe subscribe;
  for (const auto& update : outbox_.updates()) *subscribe.add_unacknowledged_updates()->mutable_status() = update;
  if (task_) *subscribe.add_unacknowledged_tasks() = *task_;
  return subscribe;
}

}  // namespace dc::executor
