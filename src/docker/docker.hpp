#pragma once
// The thin docker CLI wrapper: the only place that spawns docker. Argument
// vectors only, never a shell; the CLI inherits our environment, so
// DOCKER_HOST, DOCKER_CONFIG and friends work as docker users expect.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/settings.hpp"
#include "host/process.hpp"
#include "base/types.hpp"

namespace dc::docker {

struct Result {
  int exit_code = 0;
  std::string out;
  std::string err;
  // docker's own complaint: the last non-empty line of stderr.
  std::string message() const;
};

// What the program reads from `docker inspect` of a container.
struct Container {
  std::string id;
  std::string name;
  bool running = false;
  int pid = 0;
  int exit_code = 0;
  bool oom_killed = false;
  std::string status;
  std::string image;       // the id (sha256:...) of the image it was created from
  std::string image_name;  // that image as `docker run` named it
  std::string ip;  // on its (first) bridge or user network; empty on host or none
  std::string output;  // docker inspect's whole answer (Mesos's docker executor sends it in TASK_RUNNING)
  std::map<std::string, std::string> labels;
};

// One line of `docker ps` for our containers.
struct Listed {
  std::string container_id;  // our label, the agent's ContainerID
  std::string name;
  std::string state;         // running, exited, created, ...
};

// Pure parsers of docker's output, unit-tested on captured JSON.
std::optional<Container> parse_inspect(const std::string& json);
std::optional<Image> parse_image(const std::string& json);
std::vector<Listed> parse_ps(const std::string& lines);
// The engine docker talks to: -H/--host in the global args, else
// DOCKER_HOST, else docker's default socket.
std::string endpoint(const std::vector<std::string>& global_args, const std::string& docker_host);

// What the client needs to run docker.
struct Cli {
  std::string docker;                    // CONTAINERIZER_DOCKER: a path, or a name looked up in PATH
  std::vector<std::string> global_args;  // CONTAINERIZER_DOCKER_ARGS, split
  double timeout = 0;                    // CONTAINERIZER_DOCKER_TIMEOUT (0: none)
  std::string docker_host;               // DOCKER_HOST, which the CLI reads itself: for messages
  std::optional<std::string> path;       // PATH, unless unset
  Environment environment;               // this process's: docker exec's client runs in it
};
// Those fields of the settings and the environment main read.
Cli cli_of(const Settings& settings);

// Sees each line docker writes to stdout as it comes, and nullptr after
// each second without output; false when it has seen enough: the command
// is then killed, and call() returns what it had written.
using LineWatcher = std::function<bool(const std::string* line)>;

class Client {
 public:
  explicit Client(const Cli& cli);

  // Runs `docker <global args> <args>`; `watcher` sees its output as it
  // comes (pull progress belongs in the sandbox's stderr file as it happens).
  // A command that outlives CONTAINERIZER_DOCKER_TIMEOUT is killed and
  // throws, naming the engine; docker dies with us, so a killed call leaves
  // no client behind.
  Result call(const std::vector<std::string>& args, const LineWatcher& watcher = nullptr) const;

  // docker run -d ...: the new container's id; nullopt when the engine has
  // no such image (nothing was created); throws with docker's message.
  std::optional<std::string> run(const std::vector<std::string>& args) const;
  std::optional<Container> inspect(const std::string& name) const;
  // Our containers labelled with `work_directory`, running or not.
  std::vector<Listed> ps(const std::string& work_directory) const;
  // docker stop -t; false when there is no such container.
  bool stop(const std::string& name, double timeout_seconds) const;
  // docker rm -f -v (anonymous volumes too); false when there was none.
  // When another caller is removing it already, returns once the engine
  // reports that removal done (its destroy event), within
  // CONTAINERIZER_DOCKER_TIMEOUT.
  bool remove(const std::string& name) const;
  // Blocks until the container has stopped (`docker wait`); at once when
  // it is not running or gone.
  void wait(const std::string& name) const;
  void update(const std::string& name, const std::vector<std::string>& options) const;
  // docker volume create --driver DRIVER --opt KEY=VALUE... --label
  // LABEL=VALUE NAME (the engine keeps a volume NAME it has already, with
  // its own options and labels), then the value of LABEL on the volume the
  // engine has: "" when it has none.
  std::string ensure_volume(const std::string& name, const std::string& driver,
                            const std::vector<std::pair<std::string, std::string>>& options,
                            const std::string& label, const std::string& value) const;
  // docker exec [-e NAME=VALUE]... NAME ARGV...: argv[0] is the file
  // run. Its stdout and stderr on `out_fd` and `err_fd` (/dev/null when -1).
  // Past `timeout_seconds`, or once `cancel_fd` (-1: none) is readable, the
  // client is killed; the process it started in the container runs on to
  // its end (docker has no way to kill it). Throws when docker cannot start.
  process::Outcome exec(const std::string& name, const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& environment, double timeout_seconds, int cancel_fd,
                        int out_fd, int err_fd) const;
  // docker image inspect; nullopt when the engine has no such image.
  std::optional<Image> image(const std::string& name) const;
  // docker pull, with the client configuration in `config_dir` unless it
  // is empty; `watcher` sees its progress. Throws with docker's message.
  void pull(const std::string& name, const std::string& config_dir, const LineWatcher& watcher) const;
  // The docker CLI's own version (docker version's client side: known even
  // when the engine does not answer). Throws with docker's message.
  std::string client_version() const;

 private:
  void await_removal(const std::string& name) const;
  std::string executable_;
  std::vector<std::string> global_args_;
  double timeout_;
  std::string endpoint_;
  Environment environment_;
};

}  // namespace dc::docker
