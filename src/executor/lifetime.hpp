#pragma once
// When the host executor's work is over: the task's terminal update is
// acknowledged, or the container has ended and the agent is gone for good,
// asked to shut down, or silent for too long. Pure: the executor tells it
// what happened and when, acts on what over() decides, and sleeps until
// deadline().
#include <chrono>
#include <optional>
#include <string>

#include "executor/config.hpp"

namespace dc::executor {

class Task;

class Lifetime {
 public:
  using Clock = std::chrono::steady_clock;
  // Once the container has ended, the executor waits on the agent (for
  // LAUNCH, for an acknowledgement) for as long as the agent answers. An
  // agent whose libprocess workers are all held by the blocking reads of its
  // external containerizer's `wait`s answers nothing until one of those
  // returns (README, "Agents under load"); after kAgentSilence of that the
  // executor gives up, so that its own wait returns, and the Termination
  // tells the agent the task's end (container/settled.cpp).
  static constexpr std::chrono::seconds kAgentSilence{20};

  // Uses the config's recovery_timeout and shutdown_grace; `started` counts
  // as the last disconnection and the agent's last answer.
  Lifetime(const Config& config, Clock::time_point started);

  // What happened, and when.
  void subscribed(Clock::time_point now);    // the event stream is open
  void disconnected(Clock::time_point now);  // the stream is lost, or a SUBSCRIBE failed
  void heard(Clock::time_point now);         // the agent answered, in any way
  void give_up(std::string why);             // the agent is gone for good
  void shutdown(Clock::time_point now);      // SHUTDOWN; the first one counts
  void abandoned();                          // the task is given up: the container is stopped
  void exited();                             // the container ended

  // What over() decides. Neither abandon nor over: go on.
  struct Decision {
    std::optional<std::string> abandon;  // give the task up, for this reason
    bool over = false;                   // the executor's work is over: exit
    bool agent_silent = false;           // over after kAgentSilence without an answer
  };
  // Whether the executor's work is over; gives the task up when the agent is
  // gone. Every deadline() is acted on here once it has passed. Once the
  // task is abandoned, the work is over as soon as the container has ended,
  // also when this very decision abandons it.
  Decision over(const Task& task, Clock::time_point now) const;
  // The earliest moment at which over() decides otherwise without news;
  // nullopt when only news can change it.
  std::optional<Clock::time_point> deadline(const Task& task) const;
  // The executor waits for the agent to do something (LAUNCH, acknowledge)
  // that only it can, and the agent is neither known gone nor restarting.
  bool waiting_on_agent(const Task& task) const;

  bool connected() const { return connected_; }
  bool gave_up() const { return gave_up_; }
  Clock::time_point heard_at() const { return heard_at_; }

 private:
  Duration recovery_timeout_;
  Duration shutdown_grace_;
  bool exited_ = false;     // the container ended
  bool connected_ = false;  // the event stream is open
  bool ever_connected_ = false;
  bool gave_up_ = false;    // the agent is gone for good: abandon
  std::string gave_up_why_;
  bool abandoned_ = false;  // stop the container and exit
  Clock::time_point disconnected_at_;
  Clock::time_point heard_at_;  // the agent's last answer of any kind
  std::optional<Clock::time_point> shutdown_at_;
};

}  // namespace dc::executor
