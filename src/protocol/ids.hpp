#pragma once
// Ids from the agent become container names and paths: they are checked
// before they reach either.
#include <string>

namespace dc::ids {

// Throws dc::Error unless `value` is 1-128 characters of [A-Za-z0-9_.-]
// starting with a letter or digit (what docker accepts in a name, a slave and container id both fit
// its limits, and never
// "." or ".." or a '/').
void validate(const std::string& kind, const std::string& value);
bool valid(const std::string& value);

// mesos-<slave id>.<container id>, or mesos-<container id> without a slave id.
std::string container_name(const std::string& slave_id, const std::string& container_id);

}  // namespace dc::ids
