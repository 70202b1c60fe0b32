// `check`: run on an agent's host, says for each running Mesos agent whether
// its libprocess worker threads leave room for more containers: each
// container's wait holds one (capacity.hpp). Exits 0 when every agent has
// room, 1 when one has none or no agent runs.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include "base/error.hpp"
#include "commands/commands.hpp"
#include "container/capacity.hpp"
#include "host/files.hpp"

namespace dc::commands {
namespace {

struct Agent {
  int pid = 0;
  std::string program;                // mesos-agent, mesos-slave (lt-: a libtool build's)
  std::optional<std::string> version; // from its libmesos-VERSION.so
  std::string work_dir;
  Environment environment;
};

// A file of /proc/PID of at most `limit` bytes; nullopt when the process is
// gone or the file cannot be read (another user's environ).
std::optional<std::string> proc_file(int pid, const std::string& name, size_t limit = 4 << 20) {
  return files::try_read_file("/proc/" + std::to_string(pid) + "/" + name, limit);
}

std::vector<std::string> nul_separated(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; std::getline(in, word, '\0');) words.push_back(word);
  return words;
}

// Mesos's version from the libmesos-X.Y.Z.so the agent has mapped; none for
// a statically linked one.
std::optional<std::string> mesos_version(const std::string& maps) {
  const std::string prefix = "/libmesos-";
  for (auto at = maps.find(prefix); at != std::string::npos; at = maps.find(prefix, at + 1)) {
    const auto start = at + prefix.size();
    const auto end = maps.find(".so", start);
    const auto line_end = maps.find('\n', start);
    if (end != std::string::npos && end < line_end && end > start) return maps.substr(start, end - start);
  }
  return std::nullopt;
}

// --work_dir=DIR or --work_dir DIR on its command line, else MESOS_WORK_DIR
// (Mesos reads every flag from MESOS_<FLAG>).
std::string work_dir_of(const std::vector<std::string>& args, const Environment& environment) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].rfind("--work_dir=", 0) == 0) return args[i].substr(11);
    if (args[i] == "--work_dir" && i + 1 < args.size()) return args[i + 1];
  }
  auto set = environment.find("MESOS_WORK_DIR");
  return set == environment.end() ? "" : set->second;
}

// Gone, or a zombie: one that has just ended has no environment left to read.
bool ended(int pid) {
  auto text = proc_file(pid, "stat", 4096);
  const auto state_at = text ? text->rfind(") ") : std::string::npos;
  return state_at == std::string::npos || text->compare(state_at + 2, 1, "Z") == 0;
}

// Root's or ours: another user can name a process mesos-agent and give it
// any --work_dir, which check (as root) must not go reading.
bool trusted(const std::string& pid) {
  struct stat owner {};
  return ::stat(("/proc/" + pid).c_str(), &owner) == 0 && (owner.st_uid == 0 || owner.st_uid == ::geteuid());
}

bool is_agent_program(const std::string& comm) {
  for (const char* name : {"mesos-agent", "mesos-slave", "lt-mesos-agent", "lt-mesos-slave"})
    if (comm == name) return true;
  return false;
}

std::vector<Agent> running_agents() {
  std::vector<Agent> agents;
  DIR* proc = ::opendir("/proc");
  if (!proc) throw Error("cannot list /proc");
  while (const dirent* entry = ::readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    Agent agent;
    agent.pid = std::stoi(name);
    auto comm = proc_file(agent.pid, "comm", 64);
    if (!comm || !is_agent_program(comm->substr(0, comm->find('\n'))) || !trusted(name)) continue;
    agent.program = comm->substr(0, comm->find('\n'));
    auto environ = proc_file(agent.pid, "environ");
    auto cmdline = proc_file(agent.pid, "cmdline");
    auto maps = proc_file(agent.pid, "maps");  // an agent's are some 100 KiB
    if (!environ || !cmdline || !maps) {
      if (ended(agent.pid)) continue;
      ::closedir(proc);
      throw Error("cannot read /proc/" + name + "/environ of " + agent.program + " (pid " + name +
                  "): run check as root or as the agent's user");
    }
    for (const auto& pair : nul_separated(*environ)) {
      const auto eq = pair.find('=');
      if (eq != std::string::npos) agent.environment[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    agent.version = mesos_version(*maps);
    agent.work_dir = work_dir_of(nul_separated(*cmdline), agent.environment);
    agents.push_back(std::move(agent));
  }
  ::closedir(proc);
  std::sort(agents.begin(), agents.end(), [](const Agent& a, const Agent& b) { return a.pid < b.pid; });
  return agents;
}

// Where the agent's calls keep their records: CONTAINERIZER_STATE_DIR in its
// environment or in ours (the settings file), else under its work dir.
std::string state_dir_of(const Agent& agent, const CallEnvironment& environment) {
  auto set = agent.environment.find("CONTAINERIZER_STATE_DIR");
  if (set != agent.environment.end() && !set->second.empty()) return set->second;
  const std::string ours = environment.value("CONTAINERIZER_STATE_DIR");
  if (!ours.empty()) return ours;
  return agent.work_dir + "/docker-containerizer";
}

// One line about `agent`; false when it has no room left.
bool report(const Agent& agent, const CallEnvironment& environment) {
  // The variable came with 1.0 (libprocess process.cpp).
  const bool reads_variable = agent.version && agent.version->compare(0, 2, "0.") != 0;
  const long workers = capacity::worker_threads(agent.environment, ::sysconf(_SC_NPROCESSORS_ONLN), reads_variable);
  const long live =
      agent.work_dir.empty() ? 0 : capacity::live_containers(state_dir_of(agent, environment), agent.work_dir);
  const bool set = reads_variable && agent.environment.count("LIBPROCESS_NUM_WORKER_THREADS");
  std::cout << agent.program << " (pid " << agent.pid << ", Mesos " << agent.version.value_or("of unknown version")
            << ", work_dir " << (agent.work_dir.empty() ? "unknown" : agent.work_dir) << "): " << workers
            << " libprocess worker threads (" << (set ? "LIBPROCESS_NUM_WORKER_THREADS" : "max(8, cores)") << "), "
            << live << " containers: ";
  auto warning = capacity::warning(live, workers, reads_variable);
  if (warning) {
    std::cout << *warning << std::endl;
    return false;
  }
  std::cout << "room for " << workers - 1 - live << " more (it stops at " << workers << ")";
  if (reads_variable && !set)
    std::cout << "; to hold more, start it with LIBPROCESS_NUM_WORKER_THREADS above its most containers"
                 " (README \"Agents under load\")";
  std::cout << std::endl;
  return true;
}

}  // namespace

int check(const Settings& settings) {
  const auto agents = running_agents();
  if (agents.empty()) {
    std::cerr << "docker-containerizer: check: no Mesos agent (mesos-agent, mesos-slave) runs on this host"
              << std::endl;
    return 1;
  }
  bool room = true;
  for (const auto& agent : agents) room = report(agent, settings.environment) && room;
  return room ? 0 : 1;
}

}  // namespace dc::commands
