#pragma once
// The one task of a host executor, as Mesos 1.0.1's command executor
// (src/launcher/executor.cpp) reports it: TASK_RUNNING on LAUNCH; when the
// container ends TASK_FINISHED (exit 0), else TASK_KILLED after a kill, else
// TASK_FAILED with "Command exited with status N"; every update kept until
// the agent acknowledges its uuid (in its outbox). Pure: the executor feeds
// it events, and its courier sends what the outbox says is due.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "executor.pb.h"
#include "executor/config.hpp"
#include "executor/outbox.hpp"
#include "termination.hpp"

namespace dc::executor {

class Task {
 public:
  // `uuid` makes a fresh 16-byte update id.
  Task(std::string executor_id, std::function<std::string()> uuid);

  // Each method that makes updates returns them and puts them in the outbox.
  // LAUNCH: TASK_RUNNING, and at once the terminal update when the container
  // ended before the task arrived. A second LAUNCH is ignored (nothing).
  std::vector<mesos::TaskStatus> launch(const mesos::TaskInfo& task);

  // KILL (with its policy, or null): the grace period to stop
  // the container with, `fallback` without a policy; nullopt when there is
  // nothing to stop (ended, or stopping already).
  std::optional<Duration> kill(const mesos::KillPolicy* policy, Duration fallback);
  // SHUTDOWN, or the agent gone: the same with `grace`, whatever the policy.
  std::optional<Duration> shutdown(Duration grace);

  // The container ended: the terminal update, once the task is launched.
  std::vector<mesos::TaskStatus> ended(const termination::Exit& exit, uint64_t mem_limit_bytes);

  // ACKNOWLEDGED: forgets the update with this uuid (and the task, as the
  // agent now knows it).
  void acknowledged(const std::string& uuid);

  // What a (re)SUBSCRIBE must carry: the unacknowledged updates, and the
  // task while the agent has acknowledged none of its updates.
  mesos::v1::executor::Call::Subscribe unacknowledged() const;

  bool launched() const { return launched_; }
  bool container_ended() const { return exit_.has_value(); }
  bool terminal_sent() const { return terminal_sent_; }
  // The terminal update was acknowledged: the executor's work is done.
  bool done() const { return terminal_sent_ && outbox_.empty(); }
  Outbox& outbox() { return outbox_; }

 private:
  mesos::TaskStatus status(mesos::TaskState state);
  std::vector<mesos::TaskStatus> terminal();

  std::string executor_id_;
  std::function<std::string()> uuid_;
  std::optional<mesos::TaskInfo> task_;  // until an update of it is acknowledged
  bool launched_ = false;
  mesos::TaskID task_id_;
  std::optional<mesos::KillPolicy> kill_policy_;
  bool killed_ = false;
  std::optional<termination::Exit> exit_;
  uint64_t mem_limit_bytes_ = 0;
  bool terminal_sent_ = false;
  Outbox outbox_;
};

}  // namespace dc::executor
