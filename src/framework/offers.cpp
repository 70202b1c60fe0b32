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

// The offer's persistent volume `id` of `role`, or null.
const mesos::Resource* offered_volume(const mesos::scheduler::Offer& offer, const std::string& id,
                                      const std::string& role) {
  for (const auto& r : offer.resources())
    if (r.role() == role && r.has_disk() && r.disk().persistence().id() == id) return &r;
  return nullptr;
}

// Unreserved disk that is no volume: what new volumes are made of.
double plain_disk(const mesos::scheduler::Offer& offer) {
  double total = 0;
  for (const auto& r : offer.resources())
    if (r.name() == "disk" && r.role() == "*" && !r.has_disk() && !r.has_reservation()) total += r.scalar().value();
  return total;
}

// Disk of `size` MiB reserved for the role by the principal; with the
// volume's DiskInfo, the volume made of it.
mesos::Resource reserved_disk(const Options& o, double size, const PersistentVolume* volume) {
  mesos::Resource r;
  r.set_name("disk");
  r.set_type(mesos::Value::SCALAR);
  r.mutable_scalar()->set_value(size);
  r.set_role(o.role);
  r.mutable_reservation()->set_principal(o.principal);
  if (volume) {
    auto* disk = r.mutable_disk();
    disk->mutable_persistence()->set_id(volume->id);
    disk->mutable_persistence()->set_principal(o.principal);
    disk->mutable_volume()->set_container_path(volume->container_path);
    disk->mutable_volume()->set_mode(volume->readonly ? mesos::Volume::RO : mesos::Volume::RW);
  }
  return r;
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
  double to_make = 0;
  for (const auto& volume : persistent_volumes(o))
    if (!offered_volume(offer, volume.id, o.role)) to_make += volume.size;
  return scalar(offer, "cpus", o.role) + kEpsilon >= o.cpus && scalar(offer, "mem", o.role) + kEpsilon >= o.mem &&
         plain_disk(offer) + kEpsilon >= to_make;
}

std::vector<mesos::scheduler::Offer::Operation> volume_operations(const mesos::scheduler::Offer& offer,
                                                                  const Options& o) {
  using Operation = mesos::scheduler::Offer::Operation;
  std::vector<Operation> operations;
  for (const auto& volume : persistent_volumes(o)) {
    if (offered_volume(offer, volume.id, o.role)) continue;
    Operation reserve, create;
    reserve.set_type(Operation::RESERVE);
    *reserve.mutable_reserve()->add_resources() = reserved_disk(o, volume.size, nullptr);
    create.set_type(Operation::CREATE);
    *create.mutable_create()->add_volumes() = reserved_disk(o, volume.size, &volume);
    operations.push_back(reserve);
    operations.push_back(create);
  }
  return operations;
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
  for (const auto& volume : persistent_volumes(o)) {
    const mesos::Resource* offered = offered_volume(offer, volume.id, o.role);
    *task.add_resources() = offered ? *offered : reserved_disk(o, volume.size, &volume);
  }
  *task.mutable_command() = command_info(o);
  *task.mutable_container() = container_info(o);
  if (auto check = health_check(o)) *task.mutable_health_check() = *check;
  return task;
}

}  // namespace dc::framework
