#pragma once
// The one task of a host executor, as Mesos 1.0.1's command executor
// (src/launcher/executor.cpp) reports it: TASK_RUNNING on LAUNCH, with the
// container's network as the docker executor tells it; when the
// container ends TASK_FINISHED (exit 0), else TASK_KILLED after a kill, else
// TASK_FAILED with "Command exited with status N"; TASK_KILLING first when
// a kill begins and the framework can take it; every update kept until
// the agent acknowledges its uuid (in its outbox). Pure: the executor feeds
// it events, and its courier sends what the outbox says is due.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "executor.pb.h"
#include "executor/config.hpp"
#include "executor/outbox.hpp"
#include "protocol/termination.hpp"

namespace dc::executor {

// The terminal states: the task's last update.
bool is_terminal(mesos::TaskState state);

// What TASK_RUNNING tells of the container, from `docker inspect`.
struct Inspected {
  std::string ip;      // on a bridge or user network; empty on host networking
  std::string output;  // docker inspect's JSON
};

class Task {
 public:
  // `uuid` makes a fresh 16-byte update id.
  Task(std::string executor_id, std::function<std::string()> uuid);

  // SUBSCRIBED: what the framework can take (TASK_KILLING_STATE).
  void subscribed(const mesos::FrameworkInfo& framework);

  // Each method that makes updates returns them and puts them in the outbox.
  // LAUNCH: TASK_RUNNING, and at once the terminal update when the container
  // ended before the task arrived. A second LAUNCH is ignored (nothing).
  // As Mesos 1.0.1's docker executor (src/docker/executor.cpp), TASK_RUNNING
  // carries the inspect JSON in `data`, and with an IP the label
  // Docker.NetworkSettings.IPAddress and container_status.network_infos: the
  // task's NetworkInfo (if any) with that IP in place of its ip_addresses.
  // With none, the agent fills in its own address.
  std::vector<mesos::TaskStatus> launch(const mesos::TaskInfo& task, const Inspected& container = {});

  // How to stop the container, and what to tell the agent first.
  struct Stop {
    Duration grace;
    std::vector<mesos::TaskStatus> updates;  // TASK_KILLING, when the framework has the capability
  };
  // KILL (with its policy, or null): the grace period is the policy's, else
  // the task's, else `fallback`; nullopt when there is nothing to stop
  // (ended, or stopping already).
  std::optional<Stop> kill(const mesos::KillPolicy* policy, Duration fallback);
  // SHUTDOWN, or the agent gone: the same with `grace`, whatever the policy.
  std::optional<Stop> shutdown(Duration grace);

  // A health check's result: TASK_RUNNING with `healthy`, and the
  // container's network as Mesos repeats it; nothing once a kill began.
  std::vector<mesos::TaskStatus> health(bool healthy);
  // The health check failed too often: killed as KILL does, and the terminal
  // update carries healthy: false and `why` after the command's end.
  std::optional<Stop> unhealthy(const std::string& why, Duration fallback);

  // The container ended: the terminal update, once the task is launched.
  std::vector<mesos::TaskStatus> container_exited(const termination::Exit& exit, uint64_t mem_limit_bytes);

  // ACKNOWLEDGED: forgets the update with this uuid (and the task, as the
  // agent now knows it).
  void acknowledged(const std::string& uuid);

  // What a (re)SUBSCRIBE must carry: the unacknowledged updates, and the
  // task while the agent has acknowledged none of its updates.
  mesos::v1::executor::Call::Subscribe unacknowledged() const;

  bool launched() const { return launched_; }
  bool container_ended() const { return exit_.has_value(); }
  bool terminal_queued() const { return terminal_queued_; }
  // The terminal update was acknowledged: the executor's work is done.
  bool done() const { return terminal_queued_ && outbox_.empty(); }
  Outbox& outbox() { return outbox_; }

 private:
  mesos::TaskStatus status(mesos::TaskState state);
  std::optional<Stop> stopping(Duration grace);
  std::vector<mesos::TaskStatus> terminal();

  std::string executor_id_;
  std::function<std::string()> uuid_;
  std::optional<mesos::TaskInfo> task_;  // until an update of it is acknowledged
  bool launched_ = false;
  mesos::TaskID task_id_;
  std::optional<mesos::KillPolicy> kill_policy_;
  std::optional<mesos::NetworkInfo> network_;  // the container's, once launched
  bool task_killing_state_ = false;  // the framework's capability
  bool killed_ = false;
  std::optional<std::string> unhealthy_;  // why the health check killed it
  std::optional<termination::Exit> exit_;
  uint64_t mem_limit_bytes_ = 0;
  bool terminal_queued_ = false;
  Outbox outbox_;
};

}  // namespace dc::executor
