#include "scheduler.hpp"

#include <pwd.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <regex>
#include <sstream>
#include <utility>

#include "offers.hpp"

namespace dc::framework {

using mesos::scheduler::Call;
using mesos::scheduler::Event;

namespace {

// A declined offer's resources stay away that long: this framework lives for
// one task, and an agent whose free resources grow past what was declined is
// offered again anyway (a filter covers only the declined resources).
constexpr double kRefuseSeconds = 3600;

std::string current_user() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw ? pw->pw_name : "root";
}

// strsignal()'s name back to its number (the executor reports "terminated
// with signal Killed"), 0 when unknown.
int signal_number(const std::string& name) {
  for (int s = 1; s < NSIG; ++s) {
    const char* text = ::strsignal(s);
    if (text && name == text) return s;
  }
  return 0;
}

}  // namespace

bool terminal(mesos::TaskState state) {
  return state == mesos::TASK_FINISHED || state == mesos::TASK_FAILED || state == mesos::TASK_KILLED ||
         state == mesos::TASK_LOST || state == mesos::TASK_ERROR;
}

int exit_code_of(const mesos::TaskStatus& status) {
  if (status.state() == mesos::TASK_FINISHED) return 0;
  if (status.state() != mesos::TASK_FAILED && status.state() != mesos::TASK_KILLED) return 1;
  // Mesos's executors say "<what> exited with status N" or "<what> terminated
  // with signal <strsignal>" (WSTRINGIFY in src/common/status_utils.hpp).
  static const std::regex exited("exited with status (\\d+)");
  static const std::regex signalled("terminated with signal ([A-Za-z0-9 ]+)");
  std::smatch match;
  const std::string& message = status.message();
  if (std::regex_search(message, match, exited)) return std::stoi(match[1].str()) & 0xff;
  if (std::regex_search(message, match, signalled)) {
    const int s = signal_number(match[1].str());
    if (s > 0) return 128 + s;
  }
  return 1;
}

std::string describe(const mesos::TaskStatus& status, const std::string& hostname) {
  std::string line = mesos::TaskState_Name(status.state()) + " on agent " + status.slave_id().value();
  if (!hostname.empty()) line += " (" + hostname + ")";
  if (status.has_healthy()) line += status.healthy() ? ", healthy" : ", unhealthy";
  if (!status.message().empty()) line += ": " + status.message();
  return line;
}

Scheduler::Scheduler(Options options) : options_(std::move(options)) {}

Call Scheduler::call(Call::Type type) const {
  Call c;
  c.set_type(type);
  if (!framework_id_.empty()) c.mutable_framework_id()->set_value(framework_id_);
  return c;
}

Call Scheduler::subscribe() const {
  Call c = call(Call::SUBSCRIBE);
  auto* info = c.mutable_subscribe()->mutable_framework_info();
  info->set_user(current_user());
  info->set_name("launch-container");
  info->set_role(options_.role);
  // The master keeps the framework and its task this long when the
  // connection breaks (this program or the master gone): time to subscribe
  // again, with the same framework id, to whichever master leads then.
  info->set_failover_timeout(options_.failover_timeout);
  if (!framework_id_.empty()) info->mutable_id()->set_value(framework_id_);
  if (!options_.principal.empty()) info->set_principal(options_.principal);
  // Its kill is then told as it begins (TASK_KILLING), and printed.
  info->add_capabilities()->set_type(mesos::FrameworkInfo::Capability::TASK_KILLING_STATE);
  char host[256] = "";
  if (::gethostname(host, sizeof host - 1) == 0) info->set_hostname(host);
  return c;
}

Step Scheduler::on_event(const Event& event) {
  Step step;
  if (finished_) return step;
  switch (event.type()) {
    case Event::SUBSCRIBED:
      framework_id_ = event.subscribed().framework_id().value();
      if (phase_ == Phase::subscribing || phase_ == Phase::offered) {
        phase_ = Phase::offered;
        step.lines.push_back("subscribed as framework " + framework_id_ + "; waiting for an offer of " +
                             describe(options_.cpus, options_.mem));
      } else {
        on_resubscribed(step);
      }
      break;
    case Event::OFFERS:
      on_offers(event.offers(), step);
      break;
    case Event::UPDATE:
      on_update(event.update().status(), step);
      break;
    case Event::ERROR:
      step.lines.push_back("the master sent an error: " + event.error().message());
      finished_ = true;
      exit_code_ = 1;
      break;
    default:  // HEARTBEAT, RESCIND (of an offer declined or used), FAILURE (an update follows)
      break;
  }
  // A new master drops a reconciliation while agents have not re-registered
  // ("there are transitional agents"): ask again at its next heartbeat or
  // offer until the task's state comes.
  if (reconciling_ && (event.type() == Event::HEARTBEAT || event.type() == Event::OFFERS))
    step.calls.push_back(reconcile());
  // A heartbeat interval after a reconciled end without the agent's update:
  // the end stands, its exit status unknown.
  if (reconciled_end_ && !finished_ && event.type() == Event::HEARTBEAT) {
    step.lines.push_back("the agent did not send the task's end again: its exit status is unknown");
    task_ended_ = true;
    finish(exit_code_of(*reconciled_end_), step);
  }
  return step;
}

void Scheduler::on_offers(const Event::Offers& offers, Step& step) {
  Call decline = call(Call::DECLINE);
  decline.mutable_decline()->mutable_filters()->set_refuse_seconds(kRefuseSeconds);
  for (const auto& offer : offers.offers()) {
    if (phase_ == Phase::offered && fits(offer, options_)) {
      Call accept = call(Call::ACCEPT);
      *accept.mutable_accept()->add_offer_ids() = offer.id();
      for (auto& made : volume_operations(offer, options_)) *accept.mutable_accept()->add_operations() = made;
      auto* operation = accept.mutable_accept()->add_operations();
      operation->set_type(mesos::scheduler::Offer::Operation::LAUNCH);
      *operation->mutable_launch()->add_task_infos() = task_for(offer, options_);
      // What the task leaves of the offer is not wanted either.
      accept.mutable_accept()->mutable_filters()->set_refuse_seconds(kRefuseSeconds);
      step.calls.push_back(std::move(accept));
      agent_ = Agent{offer.agent_id().value(), offer.hostname(), offer.url()};
      phase_ = Phase::launched;
      step.lines.push_back("launching task " + options_.id + " on agent " + agent_->id + " (" + agent_->hostname +
                           ") from " + options_.image);
      continue;
    }
    if (phase_ == Phase::offered && (!largest_ || coverage(offer, options_) > coverage(*largest_, options_)))
      largest_ = offer;
    *decline.mutable_decline()->add_offer_ids() = offer.id();
  }
  if (decline.decline().offer_ids_size() > 0) step.calls.push_back(std::move(decline));
}

// Subscribed again after a master failover with the task launched: what
// the new master knows of it (its agent re-registered with the task's
// latest state) comes as an update without uuid; a kill asked for before
// may not have reached the agent.
void Scheduler::on_resubscribed(Step& step) {
  step.lines.push_back("subscribed again as framework " + framework_id_ + "; reconciling task " + options_.id);
  step.calls.push_back(reconcile());
  reconciling_ = true;
  if (phase_ == Phase::killing) step.calls.push_back(kill());
}

Call Scheduler::reconcile() const {
  Call reconcile = call(Call::RECONCILE);
  auto* task = reconcile.mutable_reconcile()->add_tasks();
  task->mutable_task_id()->set_value(options_.id);
  task->mutable_agent_id()->set_value(agent_->id);
  return reconcile;
}

Call Scheduler::kill() const {
  Call kill = call(Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value(options_.id);
  kill.mutable_kill()->mutable_agent_id()->set_value(agent_->id);
  return kill;
}

void Scheduler::on_update(const mesos::TaskStatus& status, Step& step) {
  const bool ours = status.task_id().value() == options_.id;
  if (ours) step.lines.push_back(describe(status, agent_ ? agent_->hostname : ""));
  // Updates the master makes up itself (e.g. reconciliation) carry no uuid
  // and must not be acknowledged.
  if (!status.uuid().empty()) {
    Call ack = call(Call::ACKNOWLEDGE);
    *ack.mutable_acknowledge()->mutable_agent_id() = status.slave_id();
    *ack.mutable_acknowledge()->mutable_task_id() = status.task_id();
    ack.mutable_acknowledge()->set_uuid(status.uuid());
    step.calls.push_back(std::move(ack));
  }
  if (!ours) return;
  reconciling_ = false;
  if (terminal(status.state()) && without_exit_status(status)) {
    // The agent has not had this end acknowledged: it sends it again, with
    // the executor's message, once it is back with the new master.
    step.lines.push_back("waiting for the agent's own update of the end, for the exit status");
    reconciled_end_ = status;
  } else if (terminal(status.state())) {
    task_ended_ = true;
    finish(exit_code_of(status), step);
  } else if (!tailing_ && agent_) {
    tailing_ = true;
    step.tail = true;
  }
}

// A terminal state the master reconciled (no uuid) that the exit code
// cannot be read from: TASK_FAILED or TASK_KILLED carry it only in the
// executor's message.
bool Scheduler::without_exit_status(const mesos::TaskStatus& status) const {
  return status.uuid().empty() && status.reason() == mesos::TaskStatus::REASON_RECONCILIATION &&
         (status.state() == mesos::TASK_FAILED || status.state() == mesos::TASK_KILLED) && !reconciled_end_;
}

void Scheduler::finish(int code, Step& step) {
  if (!framework_id_.empty()) step.calls.push_back(call(Call::TEARDOWN));
  finished_ = true;
  exit_code_ = code;
}

Step Scheduler::on_interrupt() {
  Step step;
  if (finished_) return step;
  if (phase_ == Phase::launched) {
    step.calls.push_back(kill());
    phase_ = Phase::killing;
    step.lines.push_back("killing task " + options_.id + " (interrupt again to leave it to the master)");
    return step;
  }
  step.lines.push_back(phase_ == Phase::killing ? "not waiting for the task's end: tearing down the framework"
                                                : "interrupted before the task was launched");
  finish(128 + SIGINT, step);
  return step;
}

Step Scheduler::on_offer_timeout() {
  Step step;
  if (finished_ || phase_ == Phase::launched || phase_ == Phase::killing) return step;
  std::ostringstream line;
  line << "no offer fits " << describe(options_.cpus, options_.mem) << " for role " << options_.role << " after "
       << options_.timeout << " s";
  if (largest_)
    line << "; the largest offer had "
         << describe(scalar(*largest_, "cpus", options_.role), scalar(*largest_, "mem", options_.role)) << " (agent "
         << largest_->agent_id().value() << ", " << largest_->hostname() << ")";
  else
    line << "; no offer came at all";
  step.lines.push_back(line.str());
  finish(1, step);
  return step;
}

Step Scheduler::on_master_lost(const std::string& master, const std::string& why) {
  Step step;
  if (finished_) return step;
  step.lines.push_back("lost the master at " + master + ": " + why);
  finished_ = true;
  exit_code_ = 1;
  return step;
}

}  // namespace dc::framework
