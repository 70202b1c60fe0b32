#pragma once
// Docker labels on every container the program starts. The engine's labels
// are the truth about which containers belong to which agent instance; the
// state directory is only a cache.
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
