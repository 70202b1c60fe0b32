#include "executor/lifetime.hpp"

#include <utility>

#include "executor/task.hpp"

namespace dc::executor {

Lifetime::Lifetime(const Config& config, Clock::time_point started)
    : recovery_timeout_(config.recovery_timeout), shutdown_grace_(config.shutdown_grace),
      disconnected_at_(started), heard_at_(started) {}

void Lifetime::subscribed(Clock::time_point now) {
  connected_ = ever_connected_ = true;
  heard_at_ = now;
}

void Lifetime::disconnected(Clock::time_point now) {
  // A SUBSCRIBE that fails while disconnected leaves recovery_timeout
  // counting from the loss (or from the start).
  if (connected_) disconnected_at_ = now;
  connected_ = false;
}

void Lifetime::heard(Clock::time_point now) { heard_at_ = now; }

void Lifetime::give_up(std::string why) {
  gave_up_ = true;
  gave_up_why_ = std::move(why);
}

void Lifetime::shutdown(Clock::time_point now) {
  if (!shutdown_at_) shutdown_at_ = now;
}

void Lifetime::abandoned() { abandoned_ = true; }

void Lifetime::exited() { exited_ = true; }

bool Lifetime::waiting_on_agent(const Task& task) const {
  return exited_ && !task.done() && !abandoned_ && (connected_ || !ever_connected_);
}

Lifetime::Decision Lifetime::over(const Task& task, Clock::time_point now) const {
  Decision decision;
  if (task.done()) {
    decision.over = true;
    return decision;
  }
  if (!abandoned_ && gave_up_)
    decision.abandon = gave_up_why_;
  else if (!abandoned_ && !connected_ && now >= disconnected_at_ + recovery_timeout_)
    decision.abandon = ever_connected_ ? "the agent did not come back within MESOS_RECOVERY_TIMEOUT"
                                       : "could not subscribe within MESOS_RECOVERY_TIMEOUT";
  if (!exited_) return decision;
  if (abandoned_ || decision.abandon)
    decision.over = true;
  else if (shutdown_at_ && (!task.launched() || now >= *shutdown_at_ + shutdown_grace_))
    decision.over = true;
  else if (waiting_on_agent(task) && now >= heard_at_ + kAgentSilence)
    decision.over = decision.agent_silent = true;
  return decision;
}

std::optional<Lifetime::Clock::time_point> Lifetime::deadline(const Task& task) const {
  std::optional<Clock::time_point> until;
  auto consider = [&until](Clock::time_point at) {
    if (!until || at < *until) until = at;
  };
  if (!abandoned_ && !connected_) consider(disconnected_at_ + recovery_timeout_);
  if (exited_ && !abandoned_ && shutdown_at_) consider(*shutdown_at_ + shutdown_grace_);
  if (waiting_on_agent(task)) consider(heard_at_ + kAgentSilence);
  return until;
}

}  // namespace dc::executor
