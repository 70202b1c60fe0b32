// One task's life as a v1 scheduler (dc::framework::Scheduler): which calls
// each event makes, what is printed, the exit code; offers against the ask.
#include "framework/scheduler.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "framework/offers.hpp"

using Catch::Matchers::Contains;
using dc::framework::Options;
using dc::framework::Scheduler;
using dc::framework::Step;
using mesos::scheduler::Call;
using mesos::scheduler::Event;

namespace {

Options options() {
  Options o;
  o.master = "127.0.0.1:5050";
  o.image = "busybox";
  o.cpus = 0.5;
  o.mem = 64;
  o.id = "t1";
  o.command = {"echo hi"};
  o.timeout = 5;
  return o;
}

void add(mesos::scheduler::Offer& offer, const std::string& name, double value, const std::string& role = "*") {
  auto* r = offer.add_resources();
  r->set_name(name);
  r->set_type(mesos::Value::SCALAR);
  r->mutable_scalar()->set_value(value);
  r->set_role(role);
}

mesos::scheduler::Offer offer(const std::string& id, double cpus, double mem) {
  mesos::scheduler::Offer o;
  o.mutable_id()->set_value(id);
  o.mutable_agent_id()->set_value("agent-" + id);
  o.set_hostname("host-" + id);
  o.mutable_url()->set_scheme("http");
  o.mutable_url()->mutable_address()->set_ip("127.0.0.1");
  o.mutable_url()->mutable_address()->set_port(5051);
  o.mutable_url()->set_path("/slave(1)");
  add(o, "cpus", cpus);
  add(o, "mem", mem);
  return o;
}

Event subscribed() {
  Event e;
  e.set_type(Event::SUBSCRIBED);
  e.mutable_subscribed()->mutable_framework_id()->set_value("fw-1");
  return e;
}

Event offers(std::vector<mesos::scheduler::Offer> list) {
  Event e;
  e.set_type(Event::OFFERS);
  for (auto& o : list) *e.mutable_offers()->add_offers() = o;
  return e;
}

Event update(mesos::TaskState state, const std::string& message = "", const std::string& uuid = "u") {
  Event e;
  e.set_type(Event::UPDATE);
  auto* s = e.mutable_update()->mutable_status();
  s->mutable_task_id()->set_value("t1");
  s->mutable_slave_id()->set_value("agent-o1");
  s->set_state(state);
  if (!message.empty()) s->set_message(message);
  if (!uuid.empty()) s->set_uuid(uuid);
  return e;
}

std::vector<Call::Type> types(const Step& step) {
  std::vector<Call::Type> result;
  for (const auto& c : step.calls) result.push_back(c.type());
  return result;
}

// A scheduler whose task was launched on offer o1.
Scheduler launched() {
  Scheduler s(options());
  s.on_event(subscribed());
  s.on_event(offers({offer("o1", 1, 128)}));
  return s;
}

}  // namespace

TEST_CASE("SUBSCRIBE carries the framework info") {
  Options o = options();
  o.role = "batch";
  o.principal = "ops";
  const Call c = Scheduler(o).subscribe();
  CHECK(c.type() == Call::SUBSCRIBE);
  CHECK_FALSE(c.has_framework_id());
  const auto& info = c.subscribe().framework_info();
  CHECK(info.name() == "launch-container");
  CHECK_FALSE(info.user().empty());
  CHECK(info.role() == "batch");
  CHECK(info.principal() == "ops");
  REQUIRE(info.capabilities_size() == 1);
  CHECK(info.capabilities(0).type() == mesos::FrameworkInfo::Capability::TASK_KILLING_STATE);
}

TEST_CASE("the first offer that fits is accepted with one LAUNCH, the others declined") {
  Scheduler s(options());
  Step step = s.on_event(subscribed());
  CHECK(step.calls.empty());
  CHECK(s.framework_id() == "fw-1");
  CHECK_THAT(step.lines.at(0), Contains("cpus 0.5, mem 64 MiB"));

  step = s.on_event(offers({offer("small", 0.1, 1024), offer("o1", 1, 128), offer("o2", 4, 4096)}));
  REQUIRE(types(step) == std::vector<Call::Type>{Call::ACCEPT, Call::DECLINE});
  const Call& accept = step.calls[0];
  CHECK(accept.framework_id().value() == "fw-1");
  REQUIRE(accept.accept().offer_ids_size() == 1);
  CHECK(accept.accept().offer_ids(0).value() == "o1");
  REQUIRE(accept.accept().operations_size() == 1);
  const auto& launch = accept.accept().operations(0);
  CHECK(launch.type() == mesos::scheduler::Offer::Operation::LAUNCH);
  REQUIRE(launch.launch().task_infos_size() == 1);
  const mesos::TaskInfo& task = launch.launch().task_infos(0);
  CHECK(task.task_id().value() == "t1");
  CHECK(task.slave_id().value() == "agent-o1");
  CHECK(task.command().value() == "echo hi");
  CHECK(task.container().docker().image() == "busybox");
  REQUIRE(task.resources_size() == 2);
  CHECK(task.resources(0).name() == "cpus");
  CHECK(task.resources(0).scalar().value() == 0.5);
  CHECK(task.resources(1).scalar().value() == 64);

  const Call& decline = step.calls[1];
  REQUIRE(decline.decline().offer_ids_size() == 2);
  CHECK(decline.decline().offer_ids(0).value() == "small");
  CHECK(decline.decline().offer_ids(1).value() == "o2");
  CHECK(decline.decline().filters().refuse_seconds() > 0);

  REQUIRE(s.agent());
  CHECK(s.agent()->hostname == "host-o1");
  CHECK(s.agent()->url.address().port() == 5051);

  step = s.on_event(offers({offer("later", 8, 8192)}));
  CHECK(types(step) == std::vector<Call::Type>{Call::DECLINE});
}

TEST_CASE("the task takes the role's reservation first, then unreserved resources") {
  Options o = options();
  o.role = "batch";
  o.cpus = 1;
  mesos::scheduler::Offer mixed = offer("o1", 0.75, 64);
  add(mixed, "cpus", 0.5, "batch");
  add(mixed, "cpus", 8, "other");  // offered to no one else's role but for show
  CHECK(dc::framework::scalar(mixed, "cpus", "batch") == 1.25);
  CHECK(dc::framework::fits(mixed, o));
  const mesos::TaskInfo task = dc::framework::task_for(mixed, o);
  REQUIRE(task.resources_size() == 3);
  CHECK(task.resources(0).role() == "batch");
  CHECK(task.resources(0).scalar().value() == 0.5);
  CHECK(task.resources(1).role() == "*");
  CHECK(task.resources(1).scalar().value() == 0.5);
  CHECK(task.resources(2).name() == "mem");
}

TEST_CASE("a persistent volume is RESERVEd and CREATEd with the LAUNCH, or taken from the offer that holds it") {
  using Operation = mesos::scheduler::Offer::Operation;
  Options o = options();
  o.role = "db";
  o.principal = "ops";
  o.volumes = {"persistent:pv-1:data,size=100"};
  // Too little unreserved disk to make it: declined.
  mesos::scheduler::Offer small = offer("small", 1, 128);
  add(small, "disk", 50);
  CHECK_FALSE(dc::framework::fits(small, o));

  Scheduler s(o);
  s.on_event(subscribed());
  mesos::scheduler::Offer plain = offer("o1", 1, 128);
  add(plain, "disk", 1000);
  Step step = s.on_event(offers({plain}));
  REQUIRE(types(step) == std::vector<Call::Type>{Call::ACCEPT});
  const auto& ops = step.calls[0].accept().operations();
  REQUIRE(ops.size() == 3);
  CHECK(ops[0].type() == Operation::RESERVE);
  const mesos::Resource& reserved = ops[0].reserve().resources(0);
  CHECK(reserved.role() == "db");
  CHECK(reserved.reservation().principal() == "ops");
  CHECK(reserved.scalar().value() == 100);
  CHECK_FALSE(reserved.has_disk());
  CHECK(ops[1].type() == Operation::CREATE);
  const mesos::Resource& made = ops[1].create().volumes(0);
  CHECK(made.disk().persistence().id() == "pv-1");
  CHECK(made.disk().volume().container_path() == "data");
  CHECK(ops[2].type() == Operation::LAUNCH);
  const mesos::TaskInfo& task = ops[2].launch().task_infos(0);
  REQUIRE(task.resources_size() == 3);
  CHECK(task.resources(2).SerializeAsString() == made.SerializeAsString());
  CHECK(task.container().volumes_size() == 0);

  // An offer that holds the volume (a later run): used as offered, nothing made.
  mesos::scheduler::Offer again = offer("o2", 1, 128);
  *again.add_resources() = made;
  again.mutable_resources()->rbegin()->mutable_disk()->mutable_volume()->set_container_path("as-created");
  CHECK(dc::framework::fits(again, o));
  CHECK(dc::framework::volume_operations(again, o).empty());
  CHECK(dc::framework::task_for(again, o).resources(2).disk().volume().container_path() == "as-created");
}

TEST_CASE("updates are printed and acknowledged; the tail starts once the task runs") {
  Scheduler s = launched();
  Step step = s.on_event(update(mesos::TASK_RUNNING));
  CHECK(types(step) == std::vector<Call::Type>{Call::ACKNOWLEDGE});
  const auto& ack = step.calls[0].acknowledge();
  CHECK(ack.agent_id().value() == "agent-o1");
  CHECK(ack.task_id().value() == "t1");
  CHECK(ack.uuid() == "u");
  CHECK(step.lines.at(0) == "TASK_RUNNING on agent agent-o1 (host-o1)");
  CHECK(step.tail);
  CHECK_FALSE(s.finished());

  step = s.on_event(update(mesos::TASK_RUNNING));
  CHECK_FALSE(step.tail);  // once
}

TEST_CASE("health is printed with the update that tells it") {
  Scheduler s = launched();
  Event event = update(mesos::TASK_RUNNING);
  event.mutable_update()->mutable_status()->set_healthy(false);
  CHECK(s.on_event(event).lines.at(0) == "TASK_RUNNING on agent agent-o1 (host-o1), unhealthy");
  event = update(mesos::TASK_KILLED, "Command exited with status 143; health check `x` failed 3 times in a row");
  event.mutable_update()->mutable_status()->set_healthy(false);
  const Step step = s.on_event(event);
  CHECK(step.lines.at(0) == "TASK_KILLED on agent agent-o1 (host-o1), unhealthy: Command exited with status 143; "
                            "health check `x` failed 3 times in a row");
  CHECK(s.exit_code() == 143);
}

TEST_CASE("a terminal update is acknowledged, then TEARDOWN; the exit code comes from the message") {
  auto [state, message, code] = GENERATE(table<mesos::TaskState, std::string, int>({
      {mesos::TASK_FINISHED, "Command exited with status 0", 0},
      {mesos::TASK_FAILED, "Command exited with status 3", 3},
      {mesos::TASK_FAILED, "Command terminated with signal Killed", 137},
      {mesos::TASK_KILLED, "Command terminated with signal Terminated", 143},
      {mesos::TASK_FAILED, "Memory limit exceeded", 1},
      {mesos::TASK_LOST, "Agent removed", 1},
      {mesos::TASK_ERROR, "Task uses more resources than available", 1},
  }));
  CAPTURE(message);
  Scheduler s = launched();
  const Step step = s.on_event(update(state, message));
  CHECK(types(step) == std::vector<Call::Type>{Call::ACKNOWLEDGE, Call::TEARDOWN});
  CHECK_THAT(step.lines.at(0), Contains(message));
  CHECK(s.finished());
  CHECK(s.exit_code() == code);
}

TEST_CASE("an update without uuid (made by the master) is not acknowledged") {
  Scheduler s = launched();
  const Step step = s.on_event(update(mesos::TASK_LOST, "Agent removed", ""));
  CHECK(types(step) == std::vector<Call::Type>{Call::TEARDOWN});
  CHECK(s.exit_code() == 1);
}

TEST_CASE("an interrupt kills the launched task and waits for its end; a second one gives up") {
  Scheduler s = launched();
  s.on_event(update(mesos::TASK_RUNNING));
  Step step = s.on_interrupt();
  REQUIRE(types(step) == std::vector<Call::Type>{Call::KILL});
  CHECK(step.calls[0].kill().task_id().value() == "t1");
  CHECK(step.calls[0].kill().agent_id().value() == "agent-o1");
  CHECK_FALSE(s.finished());

  Scheduler patient = s;
  step = patient.on_event(update(mesos::TASK_KILLED, "Command terminated with signal Terminated"));
  CHECK(types(step) == std::vector<Call::Type>{Call::ACKNOWLEDGE, Call::TEARDOWN});
  CHECK(patient.exit_code() == 143);

  step = s.on_interrupt();
  CHECK(types(step) == std::vector<Call::Type>{Call::TEARDOWN});
  CHECK(s.finished());
  CHECK(s.exit_code() == 130);
}

TEST_CASE("an interrupt before the launch tears down at once") {
  Scheduler s(options());
  s.on_event(subscribed());
  const Step step = s.on_interrupt();
  CHECK(types(step) == std::vector<Call::Type>{Call::TEARDOWN});
  CHECK(s.exit_code() == 130);
}

TEST_CASE("the offer timeout names the ask and the largest offer") {
  Scheduler s(options());
  s.on_event(subscribed());
  s.on_event(offers({offer("a", 0.1, 4096), offer("b", 0.25, 32), offer("c", 2, 16)}));
  const Step step = s.on_offer_timeout();
  CHECK(types(step) == std::vector<Call::Type>{Call::TEARDOWN});
  REQUIRE(step.lines.size() == 1);
  CHECK_THAT(step.lines[0], Contains("no offer fits cpus 0.5, mem 64 MiB for role * after 5 s"));
  CHECK_THAT(step.lines[0], Contains("largest offer had cpus 0.25, mem 32 MiB (agent agent-b, host-b)"));
  CHECK(s.exit_code() == 1);

  Scheduler none(options());
  none.on_event(subscribed());
  CHECK_THAT(none.on_offer_timeout().lines.at(0), Contains("no offer came"));

  Scheduler busy = launched();
  CHECK(busy.on_offer_timeout().calls.empty());
  CHECK_FALSE(busy.finished());
}

TEST_CASE("a lost master or an ERROR event ends the run with 1") {
  Scheduler s = launched();
  Step step = s.on_master_lost("127.0.0.1:5050", "connection closed");
  CHECK(step.calls.empty());
  CHECK_THAT(step.lines.at(0), Contains("127.0.0.1:5050: connection closed"));
  CHECK(s.exit_code() == 1);

  Scheduler refused(options());
  Event error;
  error.set_type(Event::ERROR);
  error.mutable_error()->set_message("Role 'x' is not present in the master's --roles");
  step = refused.on_event(error);
  CHECK(refused.finished());
  CHECK_THAT(step.lines.at(0), Contains("--roles"));
}

TEST_CASE("after a master failover: SUBSCRIBE with the framework id, then RECONCILE until the task is heard of") {
  Scheduler s = launched();
  CHECK(s.can_resubscribe());
  const Call again = s.subscribe();
  CHECK(again.framework_id().value() == "fw-1");
  CHECK(again.subscribe().framework_info().id().value() == "fw-1");
  CHECK(again.subscribe().framework_info().failover_timeout() == 120);

  Step step = s.on_event(subscribed());
  CHECK(types(step) == std::vector<Call::Type>{Call::RECONCILE});
  CHECK(step.calls[0].reconcile().tasks(0).task_id().value() == "t1");
  CHECK(step.calls[0].reconcile().tasks(0).agent_id().value() == "agent-o1");
  CHECK_THAT(step.lines.at(0), Contains("subscribed again as framework fw-1; reconciling task t1"));

  // Dropped while the agents re-register: asked again at the next heartbeat or offer.
  Event heartbeat;
  heartbeat.set_type(Event::HEARTBEAT);
  CHECK(types(s.on_event(heartbeat)) == std::vector<Call::Type>{Call::RECONCILE});
  CHECK(types(s.on_event(offers({offer("o2", 1, 1024)}))) == std::vector<Call::Type>{Call::DECLINE, Call::RECONCILE});

  // The master's answer carries no uuid: nothing to acknowledge; then no more asking.
  step = s.on_event(update(mesos::TASK_RUNNING, "Reconciliation: Latest task state", ""));
  CHECK(step.calls.empty());
  CHECK(s.on_event(heartbeat).calls.empty());
  step = s.on_event(update(mesos::TASK_FINISHED, "Reconciliation: Latest task state", ""));
  CHECK(types(step) == std::vector<Call::Type>{Call::TEARDOWN});
  CHECK(s.exit_code() == 0);
}

TEST_CASE("a kill asked for before the failover is sent again after it") {
  Scheduler s = launched();
  s.on_interrupt();
  CHECK(types(s.on_event(subscribed())) == std::vector<Call::Type>{Call::RECONCILE, Call::KILL});
}

TEST_CASE("without a failover timeout, or before SUBSCRIBED, a lost master ends the run") {
  Options o = options();
  o.failover_timeout = 0;
  Scheduler none(o);
  none.on_event(subscribed());
  CHECK_FALSE(none.can_resubscribe());
  CHECK(none.subscribe().subscribe().framework_info().failover_timeout() == 0);
  CHECK_FALSE(Scheduler(options()).can_resubscribe());
}

TEST_CASE("a reconciled TASK_FAILED waits a heartbeat for the agent's update with the exit status") {
  Event heartbeat;
  heartbeat.set_type(Event::HEARTBEAT);
  auto reconciled = [](mesos::TaskState state) {
    Event e = update(state, "Reconciliation: Latest task state", "");
    e.mutable_update()->mutable_status()->set_reason(mesos::TaskStatus::REASON_RECONCILIATION);
    return e;
  };
  Scheduler s = launched();
  s.on_event(subscribed());
  Step step = s.on_event(reconciled(mesos::TASK_FAILED));
  CHECK_FALSE(s.finished());
  CHECK_THAT(step.lines.at(1), Contains("waiting for the agent's own update"));
  step = s.on_event(update(mesos::TASK_FAILED, "Command exited with status 3"));
  CHECK(types(step) == std::vector<Call::Type>{Call::ACKNOWLEDGE, Call::TEARDOWN});
  CHECK(s.exit_code() == 3);

  Scheduler silent = launched();
  silent.on_event(subscribed());
  silent.on_event(reconciled(mesos::TASK_KILLED));
  step = silent.on_event(heartbeat);
  CHECK(silent.finished());
  CHECK(silent.task_ended());
  CHECK(silent.exit_code() == 1);
  CHECK_THAT(step.lines.at(0), Contains("exit status is unknown"));

  Scheduler finished = launched();
  finished.on_event(subscribed());
  finished.on_event(reconciled(mesos::TASK_FINISHED));
  CHECK(finished.finished());
  CHECK(finished.exit_code() == 0);
}
