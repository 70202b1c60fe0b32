#include "offers.hpp"

#include <algorithm>
#include <cstdio>

#include "options.hpp"

namespace dc::framework {
namespace {

// Mesos keeps scalars to three decimals; a float sum may fall short by less.
constexpr double kEpsilon = 0.0005;

bool usable(const mesos::Resource& r, const std::string& name, const std::string& role) {
  return r.name() == name && r.type() == mesos::Value::SCALAR && (r.role() == role || r.role() == "*");
}

// Appends resources of `name` worth `amount` to `task`, copied from the
// offer's (so reservation details the master needs back come along), the
// role's own first.
void take(const mesos::scheduler::Offer& offer, const std::string& name, double amount, const std::string& role,
          mesos::TaskInfo& task) {
  for (const bool reserved : {true, false}) {
    for (const auto& r : offer.resources()) {
      if (amount <= kEpsilon || !usable(r, name, role) || (r.role() != "*") != reserved) continue;
      const double part = std::min(amount, r.scalar().value());
      auto* copy = task.add_resources();
      *copy = r;
      copy->mutable_scalar()->set_value(part);
      amount -= part;
    }
  }
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

double scalar(const mesos::scheduler::Offer& offer, const std::string& name, const std::string& role) {
  double total = 0;
  for (const auto& r : offer.resources())
    if (usable(r, name, role)) total += r.scalar().value();
  return total;
}

bool fits(const mesos::scheduler::Offer& offer, const Options& o) {
  return scalar(offer, "cpus", o.role) + kEpsilon >= o.cpus && scalar(offer, "mem", o.role) + kEpsilon >= o.mem;
}

double coverage(const mesos::scheduler::Offer& offer, const Options& o) {
  return std::min(scalar(offer, "cpus", o.role) / o.cpus, scalar(offer, "mem", o.role) / o.mem);
}

std::string describe(double cpus, double mem) { return "cpus " + number(cpus) + ", mem " + number(mem) + " MiB"; }

mesos::TaskInfo task_for(const mesos::scheduler::Offer& offer, const Options& o) {
  mesos::TaskInfo task;
  task.set_name("launch-container " + o.id);
  task.mutable_task_id()->set_value(o.id);
  *task.mutable_slave_id() = offer.agent_id();
  take(offer, "cpus", o.cpus, o.role, task);
  take(offer, "mem", o.mem, o.role, task);
  *task.mutable_command() = command_info(o);
  *task.mutable_container() = container_info(o);
  if (auto check = health_check(o)) *task.mutable_health_check() = *check;
  return task;
}

}  // namespace dc::framework
