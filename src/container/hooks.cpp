#include "container/hooks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "base/error.hpp"
#include "base/text.hpp"
#include "base/log.hpp"
#include "host/files.hpp"
#include "host/process.hpp"
#include "protocol/termination.hpp"

namespace dc::hooks {
namespace {

// A hook's PATH when this program has none (the agent's environment reaches us).
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The record's fields a hook is told, as CONTAINERIZER_HOOK_<NAME IN CAPITALS>
// (besides the event, the ports and the end).
constexpr const char* kFacts[] = {"container_id", "slave_id", "name", "docker_id", "image", "image_id", "image_digest",
                                  "framework_id", "executor_id", "task_id", "sandbox", "network", "ip"};

// The hook to run for `event`, nullopt when the directory has none; throws
// dc::Error for one that cannot run (the operator put it there to run).
std::optional<std::string> find(const Settings& settings, const std::string& event) {
  const std::string path = settings.hooks_dir + "/" + event;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;
    // A missing directory is a typo in the settings, not "no hooks".
    if (error == ENOENT && ::stat(settings.hooks_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return std::nullopt;
    throw Error("hook " + path + " cannot be used: " + std::strerror(error) + " (CONTAINERIZER_HOOKS_DIR)");
  }
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0)
    throw Error("hook " + path + " is not an executable file");
  return path;
}

// Runs the hook of `event`: what went wrong, or nullopt when it succeeded
// or there is none.
std::optional<std::string> failure(const Settings& settings, const state::Record& record, const std::string& event) {
  try {
    auto path = find(settings, event);
    if (!path) return std::nullopt;
    process::Program program{*path, {*path}, environment(record, event), -1};
    const auto& search = settings.environment.path;
    program.environment["PATH"] = search && !search->empty() ? *search : kDefaultPath;
    // Its output belongs with the container's, where the operator looks;
    // nowhere when the task made that file something else (the hook must
    // still run: it may deregister what `launched` registered).
    files::Fd output;
    try {
      output = files::open_beneath(record.sandbox, "stderr", O_WRONLY | O_APPEND);
    } catch (const Error& e) {
      spdlog::warn("container {}: hook {}'s output is discarded: {}", record.container_id, *path, e.what());
    }
    program.output_fd = output.get();
    const process::Outcome outcome = process::run(program, settings.hooks_timeout);
    if (outcome.timed_out)
      return "hook " + *path + " did not finish within " + fmt::format("{:g}", settings.hooks_timeout) +
             " s and was killed (CONTAINERIZER_HOOKS_TIMEOUT)";
    if (outcome.status != 0) return "hook " + *path + " failed: it " + termination::describe(outcome.status);
    spdlog::info("container {}: hook {} succeeded", record.container_id, *path);
    return std::nullopt;
  } catch (const Error& e) {
    return std::string(e.what());
  }
}

}  // namespace

bool enabled(const Settings& settings) { return !settings.hooks_dir.empty(); }

std::map<std::string, std::string> environment(const state::Record& record, const std::string& event) {
  const auto fields = state::text_fields(record);
  std::map<std::string, std::string> facts = {{"EVENT", event}, {"PORTS", text::join(record.ports, " ")}};
  for (const char* name : kFacts) facts[text::upper(name)] = fields.at(name);
  if (const auto& t = record.termination) {
    std::vector<std::string> reasons;
    for (int reason : t->reasons())
      reasons.push_back(mesos::TaskStatus::Reason_Name(static_cast<mesos::TaskStatus::Reason>(reason)));
    facts["STATUS"] = std::to_string(t->status());
    facts["EXIT_CODE"] = std::to_string(termination::exit_code(t->status()));
    facts["KILLED"] = t->killed() ? "true" : "false";
    facts["MESSAGE"] = t->message();
    facts["STATE"] = t->has_state() ? mesos::TaskState_Name(t->state()) : "";
    facts["REASON"] = text::join(reasons, " ");
  }
  std::map<std::string, std::string> result;
  for (const auto& [key, value] : facts) result["CONTAINERIZER_HOOK_" + key] = value;
  return result;
}

void launched(const Settings& settings, const state::Record& record) {
  if (!enabled(settings)) return;
  auto failed = failure(settings, record, "launched");
  if (!failed) return;
  if (settings.hooks_required) throw Error(*failed + "; the container is removed (CONTAINERIZER_HOOKS_REQUIRED)");
  spdlog::warn("container {}: {}; the launch goes on (CONTAINERIZER_HOOKS_REQUIRED is false)",
               record.container_id, *failed);
}

void ended(const Settings& settings, const state::Record& record) {
  if (!enabled(settings)) return;
  try {
    if (auto failed = failure(settings, record, "ended"))
      spdlog::warn("container {}: {}", record.container_id, *failed);
  } catch (const std::exception& e) {
    // The end is recorded; the caller's answer must not depend on the hook.
    spdlog::warn("container {}: hook ended not run: {}", record.container_id, e.what());
  }
}

}  // namespace dc::hooks
