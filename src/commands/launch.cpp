// launch: start the executor's container and return as soon as it runs.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <filesystem>

#include "base/error.hpp"
#include "base/log.hpp"
#include "commands/commands.hpp"
#include "container/capacity.hpp"
#include "container/image.hpp"
#include "container/observed.hpp"
#include "container/hooks.hpp"
#include "container/override_check.hpp"
#include "container/state.hpp"
#include "docker/docker.hpp"
#include "docker/registry.hpp"
#include "fetch/client.hpp"
#include "host/files.hpp"
#include "host/process.hpp"
#include "plan/policy.hpp"
#include "plan/run_argv.hpp"
#include "protocol/naming.hpp"
#include "protocol/messages.hpp"

namespace dc::commands {
namespace {

namespace fs = std::filesystem;

std::optional<UserIds> resolve_user(const std::string& name) {
  if (name.empty()) return std::nullopt;
  struct passwd entry, *found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
    throw Error("unknown user '" + name + "' on this host");
  UserIds ids{found->pw_uid, found->pw_gid, {}};
  int count = 64;
  std::vector<gid_t> groups(count);
  if (::getgrouplist(name.c_str(), found->pw_gid, groups.data(), &count) < 0) {
    groups.resize(count);
    ::getgrouplist(name.c_str(), found->pw_gid, groups.data(), &count);
  }
  ids.groups.assign(groups.begin(), groups.begin() + std::max(count, 0));
  return ids;
}

// The sandbox's stdout and stderr, opened before the container starts and
// kept: the host executor writes to these files, whatever becomes of their
// names.
struct SandboxLogs {
  files::Fd out, err;
};

void give(int fd, const std::string& path, const std::optional<UserIds>& user) {
  if (user && ::fchown(fd, user->uid, user->gid) != 0)
    throw Error("cannot chown " + path + " to uid " + std::to_string(user->uid) + ": " + strerror(errno));
}

// The container's user must be able to append to the sandbox's log files
// and write its status file into the run directory. The sandbox is the
// task user's: its log files are opened without following links.
SandboxLogs prepare_files(const std::string& sandbox, const std::string& run_dir,
                          const std::optional<UserIds>& user) {
  if (::mkdir(run_dir.c_str(), 0755) != 0 && errno != EEXIST)
    throw Error("cannot create " + run_dir + ": " + strerror(errno));
  if (user && ::chown(run_dir.c_str(), user->uid, user->gid) != 0)
    throw Error("cannot chown " + run_dir + " to uid " + std::to_string(user->uid) + ": " + strerror(errno));
  SandboxLogs logs{files::open_beneath(sandbox, "stdout", O_WRONLY | O_CREAT | O_APPEND),
                   files::open_beneath(sandbox, "stderr", O_WRONLY | O_CREAT | O_APPEND)};
  give(logs.out.get(), sandbox + "/stdout", user);
  give(logs.err.get(), sandbox + "/stderr", user);
  return logs;
}

// docker binds SANDBOX/stdout and SANDBOX/stderr by name, following links:
// they must still be the files opened above (the fetch, or a process of
// the task's user on this host, may have replaced them since).
void check_logs_unchanged(const std::string& sandbox, const SandboxLogs& logs) {
  for (const auto& [name, fd] : {std::pair{"stdout", logs.out.get()}, std::pair{"stderr", logs.err.get()}}) {
    struct stat entry, opened;
    if (::lstat((sandbox + "/" + name).c_str(), &entry) != 0 || ::fstat(fd, &opened) != 0 ||
        !S_ISREG(entry.st_mode) || entry.st_dev != opened.st_dev || entry.st_ino != opened.st_ino)
      throw Error(sandbox + "/" + name + " was replaced before the container started (by the fetch?)");
  }
}

// With rotation, the init (running as the container's user) renames the log
// files and creates new ones in the sandbox: the directory must be writable
// and searchable by that user. Mesos chowns the sandbox to the task's user;
// we do not change it behind the agent's back. Root in the container
// (uid 0, CAP_DAC_OVERRIDE) writes anywhere.
void check_rotatable(const std::string& sandbox, const std::optional<UserIds>& user) {
  if (!user || user->uid == 0) return;
  struct stat st;
  if (::stat(sandbox.c_str(), &st) != 0) throw Error("cannot stat the sandbox " + sandbox + ": " + strerror(errno));
  // The permission bits the kernel checks: owner's, else group's, else others'.
  mode_t needed = S_IWOTH | S_IXOTH;
  if (st.st_uid == user->uid)
    needed = S_IWUSR | S_IXUSR;
  else if (st.st_gid == user->gid ||
           std::find(user->groups.begin(), user->groups.end(), st.st_gid) != user->groups.end())
    needed = S_IWGRP | S_IXGRP;
  if ((st.st_mode & needed) == needed) return;
  char mode[8];
  snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  throw Error("log rotation (CONTAINERIZER_LOG_MAX_SIZE) needs the sandbox " + sandbox +
              " writable by the task's user (uid " + std::to_string(user->uid) + "), but it is owned by uid " +
              std::to_string(st.st_uid) + ", gid " + std::to_string(st.st_gid) + ", mode " + mode);
}

// Override mode: the agent's command executor runs on the host, under a
// supervisor that records its exit status for wait in the container's state
// directory (`exit_file`), where no container can put a link.
int start_host_executor(const HostExecutor& executor, const std::string& sandbox, const SandboxLogs& logs,
                        const std::string& exit_file) {
  int pid = process::detached(
      [&] {
        // Lead a process group, so destroy can kill the executor with us.
        ::setpgid(0, 0);
        pid_t child = ::fork();
        if (child == 0) {
          if (::chdir(sandbox.c_str()) != 0) ::_exit(127);
          const process::ExecVectors vectors(executor.argv, executor.environment);
          ::execve(executor.file.c_str(), vectors.argv(), vectors.envp());
          dprintf(STDERR_FILENO, "docker-containerizer: cannot execute %s: %s\n", executor.file.c_str(),
                  strerror(errno));
          ::_exit(127);
        }
        const int status = process::reap(child);
        FILE* file = ::fopen((exit_file + ".tmp").c_str(), "w");
        if (file) {
          fprintf(file, "status %d\n", status);
          fflush(file);
          ::fsync(fileno(file));
          fclose(file);
          ::rename((exit_file + ".tmp").c_str(), exit_file.c_str());
        }
        return 0;
      },
      logs.out.get(), logs.err.get());
  return pid;
}

// A persistent volume's directory is the agent's to make (when the volume
// is created): one missing is not of this agent, or gone.
void check_volume_directories(const RunPlan& plan) {
  for (const auto& mount : plan.volumes) {
    std::error_code error;
    if (!mount.named && !fs::is_directory(mount.source, error))
      throw Error(mount.what + ": its directory " + mount.source + " does not exist on this agent");
  }
}

// The task's user gets a persistent volume's directory the first time, while
// it still belongs to root as the agent made it (Mesos gives it the
// sandbox's owner); named volumes are made when absent, with their options
// and the Launch's role, and used only by a Launch their owner allows.
void prepare_volumes(const Settings& settings, const RunPlan& plan, const std::optional<UserIds>& user,
                     const docker::Client& docker) {
  for (const auto& mount : plan.volumes) {
    if (mount.named) {
      const std::string owner =
          docker.ensure_volume(mount.source, mount.driver, mount.options, labels::kRole, plan.role);
      policy::check_volume_owner(policy::from(settings), mount.what, owner, plan.role);
      continue;
    }
    struct stat st;
    if (!user || user->uid == 0 || ::stat(mount.source.c_str(), &st) != 0 || st.st_uid != 0) continue;
    if (::chown(mount.source.c_str(), user->uid, user->gid) != 0)
      throw Error("cannot chown " + mount.what + "'s directory " + mount.source + " to uid " +
                  std::to_string(user->uid) + ": " + strerror(errno));
  }
}

state::Record new_record(const Settings& settings, const mesos::containerizer::Launch& message, const RunPlan& plan,
                         TaskMode mode) {
  state::Record record;
  record.container_id = message.container_id().value();
  record.slave_id = message.slave_id().value();
  record.name = plan.name;
  record.work_directory = settings.environment.work_directory;
  record.sandbox = message.directory();
  record.image = plan.image;
  record.framework_id = message.executor_info().framework_id().value();
  record.executor_id = message.executor_info().executor_id().value();
  record.task_id = message.task_info().task_id().value();
  record.network = plan.network;
  record.ports = plan.ports;
  record.override_mode = plan.host_executor.has_value();
  record.mesos_executor = mode == TaskMode::override;
  record.cpus = plan.cpus;
  record.mem_bytes = plan.mem_bytes;
  record.cfs = settings.cgroups_enable_cfs && plan.cpus > 0;
  return record;
}

void resolve_host_paths(const mesos::containerizer::Launch& message, const Settings& settings, RunInputs& inputs) {
  for (const auto& path : host_paths(message, settings, inputs.environment))
    inputs.resolved_paths[path] = policy::normalize(files::real_path(path));
}

// The `launched` hook, told the image the container runs for certain and
// its address on its own network (kept in the record for `ended`, when the
// container has none any more).
void run_launched_hook(const Settings& settings, const docker::Client& docker, state::Locked& locked) {
  if (!hooks::enabled(settings)) return;
  if (auto container = docker.inspect(locked.record().name)) {
    image::confirm(locked, *container, docker);
    locked.record().ip = container->ip;
  }
  hooks::launched(settings, locked.record());
}

// The image as docker image inspect tells it now, pulled first when absent
// or forced; remembered for the next launch.
Image inspect_image(const docker::Client& docker, const Settings& settings, const RunPlan& plan,
                    const mesos::containerizer::Launch& message, const state::Store& store) {
  const std::string& id = message.container_id().value();
  Image image = registry::ensure_image(docker, settings, plan, message.directory(), store.dir(id) + "/pull-config");
  store.remember(plan.image, image);
  return image;
}

// docker run: the critical path. An image this state directory has seen
// runs at once, without a `docker image inspect` first (a fifth of a
// launch): the first look at the container confirms what it runs
// (image::confirm). Not when the command is the image's own
// ENTRYPOINT and CMD, which must be right before the container starts, nor
// when the Launch forces a pull. An image the engine lost since is
// inspected and pulled, and the run tried again.
std::string run(const docker::Client& docker, const Settings& settings, const mesos::containerizer::Launch& message,
                const state::Store& store, RunInputs& inputs, RunPlan& plan) {
  std::optional<Image> seen;
  if (!plan.force_pull && !plan.uses_image_command) seen = store.image(plan.image);
  inputs.image = seen ? *seen : inspect_image(docker, settings, plan, message, store);
  plan = plan_run(message, settings, inputs);
  auto docker_id = docker.run(plan.args);
  if (!docker_id && seen) {
    inputs.image = inspect_image(docker, settings, plan, message, store);
    plan = plan_run(message, settings, inputs);
    docker_id = docker.run(plan.args);
  }
  if (!docker_id) throw Error("docker run failed: the engine has no image " + plan.image + " (removed meanwhile?)");
  return *docker_id;
}

// Inside a catch: what the exception being handled says.
std::string what_failed() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unexpected failure";
  }
}

int start(const Settings& settings, const mesos::containerizer::Launch& message) {
  const std::string& id = message.container_id().value();
  ids::validate("container id", id);
  docker::Client docker(docker::cli_of(settings));
  state::Store store(settings.state_dir);

  RunInputs inputs;
  inputs.environment = settings.environment.variables;
  const TaskMode mode = task_mode(message, settings, inputs.environment);
  inputs.user = resolve_user(user_name(message, mode));
  inputs.run_dir = store.run_dir(id);
  inputs.init = settings.init;
  inputs.self = self_path();
  inputs.launcher_dir = store.dir(id) + "/launcher";
  auto libexec = inputs.environment.find("MESOS_LIBEXEC_DIRECTORY");
  std::error_code ignored;
  inputs.libexec_exists = libexec != inputs.environment.end() && fs::is_directory(libexec->second, ignored);
  if (::access(settings.init.c_str(), R_OK | X_OK) != 0)
    throw Error("cannot use the container init " + settings.init + ": " + strerror(errno) + " (CONTAINERIZER_INIT)");
  resolve_host_paths(message, settings, inputs);
  // Check everything the Launch asks for before anything exists.
  RunPlan plan = plan_run(message, settings, inputs);
  if (settings.log_max_bytes) check_rotatable(message.directory(), inputs.user);
  check_volume_directories(plan);

  auto locked = state::Locked::create(store, new_record(settings, message, plan, mode));
  try {
    const SandboxLogs logs = prepare_files(message.directory(), inputs.run_dir, inputs.user);
    fetch::into_sandbox(settings, message, inputs.user);
    // The fetch may have made links in the sandbox: check and bind where
    // the volumes lead now.
    resolve_host_paths(message, settings, inputs);
    prepare_volumes(settings, plan, inputs.user, docker);
    check_logs_unchanged(message.directory(), logs);
    locked.record().docker_id = run(docker, settings, message, store, inputs, plan);
    for (const auto& warning : plan.warnings) spdlog::warn("container {}: {}", id, warning);
    locked.record().image_id = inputs.image->id;
    locked.record().image_digest = plan.image_digest;
    // Before the host executor starts: a required hook that fails leaves
    // only the container to remove.
    run_launched_hook(settings, docker, locked);
    if (plan.host_executor) {
      override_check::link_checker(inputs.launcher_dir, inputs.self);
      auto& record = locked.record();
      record.supervisor_pid = start_host_executor(*plan.host_executor, message.directory(), logs,
                                                  ending::executor_exit_file(store, id));
      record.supervisor_start = process::start_time(record.supervisor_pid);
    }
    // Durable: one rebuilt from the labels would lack the allotment, the
    // mode and the host executor's supervisor.
    locked.save();
  } catch (...) {
    // Leave nothing half-done, whatever failed (not only a dc::Error: a
    // bad_alloc, a pipe docker's call could not get): a container docker
    // created but could not start, and the record. Still one line when the
    // cleanup fails too.
    std::string cleanup;
    try {
      docker.remove(plan.name);
    } catch (const std::exception& failed) {
      cleanup = failed.what();
    }
    locked.remove();
    if (cleanup.empty()) throw;
    throw Error(what_failed() + "; removing " + plan.name + " failed too: " + cleanup);
  }
  const auto& record = locked.record();
  spdlog::info("container {}: started {} from image {} ({})", id, plan.name, plan.image,
               record.image_digest.empty() ? record.image_id : record.image_digest);
  capacity::check(settings.state_dir, settings.environment.work_directory, inputs.environment);
  return 0;
}

}  // namespace

int launch(const Settings& settings) {
  auto message = messages::read_stdin<mesos::containerizer::Launch>(settings.frame_limit);
  log::guard_stderr(message.directory(), settings.state_dir);
  // A refusal's one line on stderr says which container.
  return for_container(message.container_id().value(), [&] { return start(settings, message); });
}

}  // namespace dc::commands
