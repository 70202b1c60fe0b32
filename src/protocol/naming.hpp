#pragma once
// How the program names what it makes in the engine. Ids from the agent
// become container names and paths, so they are checked before they reach
// either. Labels on every container mark which agent instance it belongs
// to: the engine's labels are the truth, the state directory only a cache.
#include <string>

namespace dc::ids {

// Throws dc::Error unless `value` is 1-128 characters of [A-Za-z0-9_.-]
// starting with a letter or digit: what docker accepts in a name (a slave
// and a container id both fit its limits), and never "." or ".." or a '/'.
void validate(const std::string& kind, const std::string& value);
bool valid(const std::string& value);

// mesos-<slave id>.<container id>, or mesos-<container id> without a slave id.
std::string container_name(const std::string& slave_id, const std::string& container_id);

}  // namespace dc::ids

namespace dc::labels {

inline constexpr const char* kContainerId = "docker-containerizer.container-id";
inline constexpr const char* kSlaveId = "docker-containerizer.slave-id";
inline constexpr const char* kWorkDirectory = "docker-containerizer.work-directory";
inline constexpr const char* kFrameworkId = "docker-containerizer.framework-id";
inline constexpr const char* kExecutorId = "docker-containerizer.executor-id";
inline constexpr const char* kSandbox = "docker-containerizer.sandbox";
// On the named volumes the program makes: the role they belong to.
inline constexpr const char* kRole = "docker-containerizer.role";
// Task and executor labels become docker-containerizer.label.<key>.
inline constexpr const char* kFrameworkLabelPrefix = "docker-containerizer.label.";

}  // namespace dc::labels
