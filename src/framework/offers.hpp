#pragma once
// Offers against what the task asks for: whether one fits, what the task
// takes from it, and the TaskInfo that runs the command on its agent.
#include <string>
#include <vector>

#include "options.hpp"
#include "scheduler.pb.h"

namespace dc::framework {

// The amount of scalar resource `name` (cpus, mem) the offer holds for
// `role`: its reservations for the role plus the unreserved ("*") share.
double scalar(const mesos::scheduler::Offer& offer, const std::string& name, const std::string& role);

bool fits(const mesos::scheduler::Offer& offer, const Options& options);

// How well the offer covers the ask: the smaller of its cpus and mem ratios
// (>= 1 when it fits), to name the largest offer when none fits.
double coverage(const mesos::scheduler::Offer& offer, const Options& options);

// For each persistent volume the offer does not hold: RESERVE of its size of
// the offer's unreserved disk for the role, then CREATE of the volume.
std::vector<mesos::scheduler::Offer::Operation> volume_operations(const mesos::scheduler::Offer& offer,
                                                                  const Options& options);

// "cpus 0.5, mem 128 MiB"
std::string describe(double cpus, double mem);

// The task that runs `options` on the offer's agent, its cpus and mem taken
// from the offer's resources (the role's reservation first).
mesos::TaskInfo task_for(const mesos::scheduler::Offer& offer, const Options& options);

}  // namespace dc::framework
