#include "executor/task.hpp"

#include <sys/wait.h>


namespace dc::executor {

bool is_terminal(mesos::TaskState state) {
  return state == mesos::TASK_FINISHED || state == mesos::TASK_FAILED || state == mesos::TASK_KILLED ||
         state == mesos::TASK_LOST || state == mesos::TASK_ERROR;
}

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

void Task::subscribed(const mesos::FrameworkInfo& framework) {
  for (const auto& capability : framework.capabilities())
    if (capability.type() == mesos::FrameworkInfo::Capability::TASK_KILLING_STATE) task_killing_state_ = true;
}

namespace {

mesos::NetworkInfo network_of(const mesos::TaskInfo& task, const std::string& ip) {
  // A docker container has one network: the task's one NetworkInfo, if any.
  mesos::NetworkInfo network;
  if (task.container().network_infos_size() > 0) network = task.container().network_infos(0);
  network.clear_ip_addresses();
  network.add_ip_addresses()->set_ip_address(ip);
  return network;
}

}  // namespace

std::vector<mesos::TaskStatus> Task::launch(const mesos::TaskInfo& task, const Inspected& container) {
  if (launched()) return {};
  launched_ = true;
  task_ = task;
  task_id_ = task.task_id();
  if (task.has_kill_policy()) kill_policy_ = task.kill_policy();
  mesos::TaskStatus running = status(mesos::TASK_RUNNING);
  if (!container.output.empty()) running.set_data(container.output);
  if (!container.ip.empty()) {
    network_ = network_of(task, container.ip);
    auto* label = running.mutable_labels()->add_labels();
    label->set_key("Docker.NetworkSettings.IPAddress");  // deprecated in Mesos, still sent
    label->set_value(container.ip);
    *running.mutable_container_status()->add_network_infos() = *network_;
  }
  std::vector<mesos::TaskStatus> result = {running};
  outbox_.add(result.back());
  for (auto& update : terminal()) result.push_back(update);
  return result;
}

std::optional<Task::Stop> Task::kill(const mesos::KillPolicy* policy, Duration fallback) {
  // The KILL's own policy wins over the task's (as in Mesos).
  const mesos::KillPolicy* chosen = policy && policy->has_grace_period() ? policy
                                    : kill_policy_ && kill_policy_->has_grace_period() ? &*kill_policy_
                                                                                       : nullptr;
  if (!chosen) return stopping(fallback);
  const std::chrono::nanoseconds grace(chosen->grace_period().nanoseconds());
  return stopping(std::chrono::duration_cast<Duration>(grace));
}

std::optional<Task::Stop> Task::shutdown(Duration grace) { return stopping(grace); }

// Mesos's executors (1.0.1) send TASK_KILLING as the kill is issued, for
// KILL and SHUTDOWN alike, to a framework that declared it can take it.
std::optional<Task::Stop> Task::stopping(Duration grace) {
  if (exit_ || killed_) return std::nullopt;
  killed_ = true;
  Stop stop{grace, {}};
  if (launched() && task_killing_state_) {
    stop.updates.push_back(status(mesos::TASK_KILLING));
    outbox_.add(stop.updates.back());
  }
  return stop;
}

std::vector<mesos::TaskStatus> Task::health(bool healthy) {
  if (!launched() || killed_ || exit_) return {};
  mesos::TaskStatus update = status(mesos::TASK_RUNNING);
  update.set_healthy(healthy);
  if (network_) *update.mutable_container_status()->add_network_infos() = *network_;
  outbox_.add(update);
  return {update};
}

std::optional<Task::Stop> Task::unhealthy(const std::string& why, Duration fallback) {
  auto stop = kill(nullptr, fallback);
  if (stop) unhealthy_ = why;
  return stop;
}

std::vector<mesos::TaskStatus> Task::container_exited(const termination::Exit& exit, uint64_t mem_limit_bytes) {
  if (exit_) return {};
  exit_ = exit;
  mem_limit_bytes_ = mem_limit_bytes;
  return terminal();
}

std::vector<mesos::TaskStatus> Task::terminal() {
  if (!exit_ || !launched() || terminal_queued_) return {};
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
  if (unhealthy_) {
    update.set_healthy(false);
    update.set_message(update.message() + "; " + *unhealthy_);
  }
  terminal_queued_ = true;
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
