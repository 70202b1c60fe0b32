#include "docker/docker.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <nlohmann/json.hpp>
#include <fmt/format.h>
#include <chrono>
#include <sstream>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "base/text.hpp"
#include "protocol/naming.hpp"

namespace dc::docker {
namespace bp = boost::process;
using nlohmann::json;

namespace {

bool no_such_container(const Result& result) {
  return result.err.find("No such container") != std::string::npos ||
         result.err.find("No such object") != std::string::npos;
}

bool no_such_image(const Result& result) { return result.err.find("No such image") != std::string::npos; }

// What an inspect (`command`) found, parsed; nullopt when docker has no
// such object (`missing`).
template <class Parse>
auto inspected(const Result& result, const std::string& command, bool (*missing)(const Result&), Parse parse)
    -> decltype(parse(result.out)) {
  if (result.exit_code != 0) {
    if (missing(result)) return std::nullopt;
    throw Error(command + " failed: " + result.message());
  }
  auto parsed = parse(result.out);
  if (!parsed) throw Error(command + ": unexpected output");
  return parsed;
}

std::vector<std::string> strings_of(const json& value) {
  std::vector<std::string> result;
  if (value.is_array())
    for (const auto& item : value)
      if (item.is_string()) result.push_back(item.get<std::string>());
  return result;
}

// The address on the container's first network that has one (a container
// of ours is on one network only).
std::string network_ip(const json& settings) {
  if (!settings.is_object() || !settings.contains("Networks") || !settings["Networks"].is_object()) return "";
  for (const auto& [name, network] : settings["Networks"].items())
    if (network.is_object() && network.contains("IPAddress") && network["IPAddress"].is_string() &&
        !network["IPAddress"].get<std::string>().empty())
      return network["IPAddress"].get<std::string>();
  return "";
}

// Milliseconds left until `deadline` for poll(); -1 without one.
int remaining_ms(const std::optional<clock::Deadline>& deadline) { return deadline ? clock::poll_ms(*deadline) : -1; }

enum class Drained { kClosed, kTimedOut, kEnough };

// Drains both pipes with poll() until the child closes them: reading one to
// its end first could deadlock when the other fills its pipe buffer. Stops
// early when `deadline` passes or the watcher has seen enough.
Drained drain(int out_fd, int err_fd, Result& result, const LineWatcher& watcher,
           const std::optional<clock::Deadline>& deadline) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = 2;
  char buffer[8192];
  size_t watched = 0;  // how much of result.out the watcher has seen
  while (open > 0) {
    const int left = remaining_ms(deadline);
    // A watcher hears of each second of silence.
    int ready = ::poll(fds, 2, watcher && (left < 0 || left > 1000) ? 1000 : left);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("poll on docker's output failed: ") + strerror(errno));
    }
    if (ready == 0) {
      if (deadline && remaining_ms(deadline) == 0) return Drained::kTimedOut;
      if (watcher && !watcher(nullptr)) return Drained::kEnough;
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
        continue;
      }
      sinks[i]->append(buffer, static_cast<size_t>(n));
    }
    for (size_t end; watcher && (end = result.out.find('\n', watched)) != std::string::npos; watched = end + 1) {
      const std::string line = result.out.substr(watched, end - watched);
      if (!watcher(&line)) return Drained::kEnough;
    }
  }
  return Drained::kClosed;
}

}  // namespace

std::string Result::message() const {
  std::istringstream lines(err);
  std::string line, last;
  // The CLI ends a failure with a hint ("See 'docker run --help'.", "Run
  // 'docker run --help' for more information"): the error is the line before.
  auto hint = [](const std::string& text) {
    return (text.rfind("See '", 0) == 0 || text.rfind("Run '", 0) == 0) && text.find("--help") != std::string::npos;
  };
  while (std::getline(lines, line))
    if (!text::trim(line).empty() && !hint(text::trim(line))) last = text::trim(line);
  return last.empty() ? "docker exited with status " + std::to_string(exit_code) : last;
}

std::optional<Container> parse_inspect(const std::string& text) {
  json all = json::parse(text, nullptr, false);
  if (all.is_discarded() || !all.is_array() || all.empty() || !all[0].is_object()) return std::nullopt;
  const json& c = all[0];
  Container container;
  container.output = text;
  container.id = c.value("Id", "");
  container.name = c.value("Name", "");
  if (!container.name.empty() && container.name[0] == '/') container.name.erase(0, 1);
  const json state = c.value("State", json::object());
  container.running = state.value("Running", false);
  container.pid = state.value("Pid", 0);
  container.exit_code = state.value("ExitCode", 0);
  container.oom_killed = state.value("OOMKilled", false);
  container.status = state.value("Status", "");
  container.ip = network_ip(c.value("NetworkSettings", json::object()));
  container.image = c.value("Image", "");
  const json config = c.value("Config", json::object());
  container.image_name = config.value("Image", "");
  const json labels = config.value("Labels", json::object());
  if (labels.is_object())
    for (const auto& [key, value] : labels.items())
      if (value.is_string()) container.labels[key] = value.get<std::string>();
  return container;
}

std::optional<Image> parse_image(const std::string& text) {
  json all = json::parse(text, nullptr, false);
  if (all.is_discarded() || !all.is_array() || all.empty() || !all[0].is_object()) return std::nullopt;
  Image image;
  const json id = all[0].value("Id", json());
  if (id.is_string()) image.id = id.get<std::string>();
  image.repo_digests = strings_of(all[0].value("RepoDigests", json()));
  const json config = all[0].value("Config", json::object());
  if (config.is_object())
    image.command = {strings_of(config.value("Entrypoint", json())), strings_of(config.value("Cmd", json()))};
  return image;
}

std::vector<Listed> parse_ps(const std::string& lines) {
  std::vector<Listed> result;
  std::istringstream input(lines);
  for (std::string line; std::getline(input, line);) {
    std::istringstream fields(line);
    Listed listed;
    if (std::getline(fields, listed.container_id, '\t') && std::getline(fields, listed.name, '\t') &&
        std::getline(fields, listed.state) && !listed.container_id.empty())
      result.push_back(listed);
  }
  return result;
}

std::string endpoint(const std::vector<std::string>& global_args, const std::string& docker_host) {
  const auto hosts = docker_hosts(global_args);
  if (!hosts.empty()) return hosts.front();
  if (!docker_host.empty()) return docker_host;
  return "unix:///var/run/docker.sock";
}

// Like a shell's PATH lookup. Not bp::search_path: its boost::filesystem
// paths load the whole locale at each start (LANG), a dozen files per call.
std::string search_path(const std::string& name, const std::optional<std::string>& path) {
  std::istringstream dirs(path ? *path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

Cli cli_of(const Settings& settings) {
  const CallEnvironment& environment = settings.environment;
  return {settings.docker,         settings.docker_global_args(), settings.docker_timeout,
          environment.docker_host, environment.path,              environment.variables};
}

Client::Client(const Cli& cli)
    : global_args_(cli.global_args),
      timeout_(cli.timeout),
      endpoint_(endpoint(global_args_, cli.docker_host)),
      environment_(cli.environment) {
  executable_ = cli.docker.find('/') != std::string::npos ? cli.docker : search_path(cli.docker, cli.path);
  if (executable_.empty())
    throw Error("docker CLI '" + cli.docker + "' not found in PATH (CONTAINERIZER_DOCKER)");
}

Result Client::call(const std::vector<std::string>& args, const LineWatcher& watcher) const {
  std::vector<std::string> argv = global_args_;
  argv.insert(argv.end(), args.begin(), args.end());
  bp::pipe out, err;
  std::error_code spawn_error;
  // Killed with us (the agent's timeout, a SIGKILL): an orphaned `docker
  // run` would create its container after a destroy looked for it.
  auto die_with_us = bp::extend::on_exec_setup([](auto&) { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
  bp::child child(executable_, bp::args(argv), bp::std_in < bp::null, bp::std_out > out,
                  bp::std_err > err, die_with_us, spawn_error);
  if (spawn_error) throw Error("cannot run " + executable_ + ": " + spawn_error.message());
  // Our copies of the write ends must go, or the reads never see the end.
  for (bp::pipe* pipe : {&out, &err}) {
    ::close(pipe->native_sink());
    pipe->assign_sink(-1);
  }
  Result result;
  std::optional<clock::Deadline> deadline;
  if (timeout_ > 0) deadline = clock::deadline_after(timeout_);
  auto timed_out = [&] {
    child.terminate();  // SIGKILL, and reaped
    return Error("docker " + (args.empty() ? std::string() : args[0]) + " did not answer within " +
                 fmt::format("{:g}", timeout_) + " s (engine " + endpoint_ + ", CONTAINERIZER_DOCKER_TIMEOUT)");
  };
  const Drained drained = drain(out.native_source(), err.native_source(), result, watcher, deadline);
  if (drained == Drained::kTimedOut) throw timed_out();
  if (drained == Drained::kEnough) {
    child.terminate();
    return result;
  }
  // A child that closed its output may still not exit (a plugin it started
  // holding on): the same deadline covers the wait for its end.
  if (deadline && !process::exits_by(child.id(), *deadline)) throw timed_out();
  child.wait();
  result.exit_code = child.exit_code();
  return result;
}

std::optional<std::string> Client::run(const std::vector<std::string>& args) const {
  // Captured, not echoed: a failure becomes one line naming docker's error;
  // on success what docker said (pull progress) still reaches stderr.
  Result result = call(args);
  if (result.exit_code != 0 && no_such_image(result)) return std::nullopt;
  if (result.exit_code != 0) throw Error("docker run failed: " + result.message());
  if (!result.err.empty()) (void)!::write(STDERR_FILENO, result.err.data(), result.err.size());
  return text::trim(result.out);
}

std::optional<Container> Client::inspect(const std::string& name) const {
  return inspected(call({"inspect", "--type", "container", name}), "docker inspect " + name, no_such_container,
                   parse_inspect);
}

std::vector<Listed> Client::ps(const std::string& work_directory) const {
  Result result = call({"ps", "-a", "--no-trunc", "--filter",
                        std::string("label=") + labels::kWorkDirectory + "=" + work_directory, "--format",
                        std::string("{{.Label \"") + labels::kContainerId + "\"}}\t{{.Names}}\t{{.State}}"});
  if (result.exit_code != 0) throw Error("docker ps failed: " + result.message());
  return parse_ps(result.out);
}

bool Client::stop(const std::string& name, double timeout_seconds) const {
  Result result = call({"stop", "-t", std::to_string(static_cast<long>(timeout_seconds + 0.5)), name});
  if (result.exit_code == 0) return true;
  if (no_such_container(result)) return false;
  throw Error("docker stop " + name + " failed: " + result.message());
}

bool Client::remove(const std::string& name) const {
  Result result = call({"rm", "-f", "-v", name});
  if (result.exit_code == 0) return true;
  if (no_such_container(result)) return false;
  // Another caller (a concurrent destroy, the sweep after a wait) is
  // removing it: done once that removal finished.
  if (result.err.find("is already in progress") != std::string::npos) {
    await_removal(name);
    return true;
  }
  throw Error("docker rm " + name + " failed: " + result.message());
}

void Client::await_removal(const std::string& name) const {
  auto unix_seconds = [](double at) { return std::to_string(static_cast<long long>(at)); };
  const double now = clock::wall_seconds();
  const auto container = inspect(name);
  if (!container) return;
  // By its id, which no later container takes, so a window reaching back a
  // minute (for the engine's clock) only replays a destroy that came before
  // `docker events` listened. --until ends the stream where call() would
  // kill it.
  std::vector<std::string> args = {"events", "--since", unix_seconds(now - 60),
                                   "--filter", "type=container", "--filter", "container=" + container->id,
                                   "--filter", "event=destroy", "--format", "{{.ID}}"};
  if (timeout_ > 0)
    args.insert(args.begin() + 3, {"--until", unix_seconds(now + std::min(timeout_, 1e8))});
  bool destroyed = false;
  call(args, [&](const std::string* line) {
    destroyed = destroyed || (line && !line->empty());
    return !destroyed;
  });
  if (!destroyed && inspect(name))
    throw Error("docker rm " + name + ": another removal of it did not finish within " + fmt::format("{:g}", timeout_) +
                " s (CONTAINERIZER_DOCKER_TIMEOUT)");
}

process::Outcome Client::exec(const std::string& name, const std::vector<std::string>& argv,
                              const std::map<std::string, std::string>& environment, double timeout_seconds,
                              int cancel_fd, int out_fd, int err_fd) const {
  process::Program program{executable_, {executable_}, environment_, out_fd, err_fd};
  program.argv.insert(program.argv.end(), global_args_.begin(), global_args_.end());
  program.argv.push_back("exec");
  for (const auto& [key, value] : environment) program.argv.insert(program.argv.end(), {"-e", key + "=" + value});
  program.argv.push_back(name);
  program.argv.insert(program.argv.end(), argv.begin(), argv.end());
  return process::run(program, timeout_seconds, cancel_fd);
}

void Client::wait(const std::string& name) const {
  Result result = call({"wait", name});
  if (result.exit_code != 0 && !no_such_container(result))
    throw Error("docker wait " + name + " failed: " + result.message());
}

void Client::update(const std::string& name, const std::vector<std::string>& options) const {
  std::vector<std::string> args = {"update"};
  args.insert(args.end(), options.begin(), options.end());
  args.push_back(name);
  Result result = call(args);
  if (result.exit_code != 0) throw Error("docker update " + name + " failed: " + result.message());
}

std::string Client::ensure_volume(const std::string& name, const std::string& driver,
                                  const std::vector<std::pair<std::string, std::string>>& options,
                                  const std::string& label, const std::string& value) const {
  std::vector<std::string> args = {"volume", "create"};
  if (!driver.empty()) args.insert(args.end(), {"--driver", driver});
  for (const auto& [key, option] : options) args.insert(args.end(), {"--opt", key + "=" + option});
  args.insert(args.end(), {"--label", label + "=" + value, name});
  Result created = call(args);
  if (created.exit_code != 0) throw Error("docker volume create " + name + " failed: " + created.message());
  Result found = call({"volume", "inspect", "--format", "{{index .Labels \"" + label + "\"}}", name});
  if (found.exit_code != 0) throw Error("docker volume inspect " + name + " failed: " + found.message());
  std::string owner = found.out;
  while (!owner.empty() && (owner.back() == '\n' || owner.back() == '\r')) owner.pop_back();
  return owner;
}

std::optional<Image> Client::image(const std::string& name) const {
  return inspected(call({"image", "inspect", name}), "docker image inspect " + name, no_such_image, parse_image);
}

void Client::pull(const std::string& name, const std::string& config_dir, const LineWatcher& watcher) const {
  std::vector<std::string> args = {"pull", name};
  if (!config_dir.empty()) args.insert(args.begin(), {"--config", config_dir});
  Result result = call(args, watcher);
  if (result.exit_code != 0) throw Error(result.message());
}

std::string Client::client_version() const {
  // Without an engine the CLI prints its version and then fails on the server's.
  Result result = call({"version", "--format", "{{.Client.Version}}"});
  std::string version = text::trim(result.out);
  if (version.empty()) throw Error("docker version failed: " + result.message());
  return version;
}

}  // namespace dc::docker
