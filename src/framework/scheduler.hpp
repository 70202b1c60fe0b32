#pragma once
// One task's life as a v1 scheduler, as pure logic: events (and Ctrl-C, the
// offer timeout, a lost master) in; calls to send and lines to print out.
// SUBSCRIBE -> SUBSCRIBED -> OFFERS: ACCEPT the first that fits with a LAUNCH,
// DECLINE the rest -> UPDATEs, each printed and ACKNOWLEDGEd -> a terminal
// state: TEARDOWN and the task's exit code. Ctrl-C sends KILL and waits for
// the terminal update (a second one gives up at once). After a master
// failover, SUBSCRIBE again with the framework id -> SUBSCRIBED -> RECONCILE
// the task (its state may have changed meanwhile, even ended), again at each
// HEARTBEAT or OFFERS until an update of the task comes. A reconciled
// TASK_FAILED or TASK_KILLED waits one heartbeat for the agent's own update,
// which has the exit status.
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"
#include "scheduler.pb.h"

namespace dc::framework {

// The agent the task runs on, for its sandbox.
struct Agent {
  std::string id;
  std::string hostname;
  mesos::scheduler::URL url;  // where it answers HTTP (from the offer)
};

struct Step {
  std::vector<mesos::scheduler::Call> calls;  // to send, in order
  std::vector<std::string> lines;             // to print on stderr
  bool tail = false;                          // the task runs: start tailing its sandbox
};

class Scheduler {
 public:
  explicit Scheduler(Options options);

  mesos::scheduler::Call subscribe() const;
  Step on_event(const mesos::scheduler::Event& event);
  Step on_interrupt();
  Step on_offer_timeout();
  Step on_master_lost(const std::string& master, const std::string& why);

  bool finished() const { return finished_; }
  // The framework is registered and has not ended: a lost master can be
  // replaced by subscribing again (subscribe() then carries the id).
  bool can_resubscribe() const { return !finished_ && !framework_id_.empty() && options_.failover_timeout > 0; }
  // A terminal status of the task came (its sandbox is complete).
  bool task_ended() const { return task_ended_; }
  int exit_code() const { return exit_code_; }
  const std::string& framework_id() const { return framework_id_; }
  const std::string& task_id() const { return options_.id; }
  const std::optional<Agent>& agent() const { return agent_; }

 private:
  enum class Phase { subscribing, offered, launched, killing };

  mesos::scheduler::Call call(mesos::scheduler::Call::Type type) const;
  void on_offers(const mesos::scheduler::Event::Offers& offers, Step& step);
  void on_update(const mesos::TaskStatus& status, Step& step);
  void on_resubscribed(Step& step);
  mesos::scheduler::Call kill() const;
  mesos::scheduler::Call reconcile() const;
  bool without_exit_status(const mesos::TaskStatus& status) const;
  void finish(int code, Step& step);

  Options options_;
  Phase phase_ = Phase::subscribing;
  std::string framework_id_;
  std::optional<Agent> agent_;
  std::optional<mesos::scheduler::Offer> largest_;  // the offer closest to fitting
  bool tailing_ = false;
  bool reconciling_ = false;  // subscribed again; no word of the task since
  std::optional<mesos::TaskStatus> reconciled_end_;  // awaiting the agent's update with the exit status
  bool task_ended_ = false;
  bool finished_ = false;
  int exit_code_ = 1;
};

// The exit code a terminal status stands for: 0 for TASK_FINISHED; the
// command's, from the executor's message ("Command exited with status 3",
// "... terminated with signal Killed" -> 137), for TASK_FAILED and
// TASK_KILLED; else 1 (TASK_LOST, TASK_ERROR, no status in the message).
int exit_code_of(const mesos::TaskStatus& status);

bool terminal(mesos::TaskState state);

// "TASK_RUNNING on agent S1 (host-a): message", ", healthy" or ", unhealthy"
// after the host when the update says.
std::string describe(const mesos::TaskStatus& status, const std::string& hostname);

}  // namespace dc::framework
