#pragma once
// The thin docker CLI wrapper: the only place that spawns docker. Argument
// vectors only, never a shell; the CLI inherits our environment, so
// DOCKER_HOST, DOCKER_CONFIG and friends work as docker users expect.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "run_argv.hpp"
#include "settings.hpp"

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
std::optional<ImageCommand> parse_image_command(const std::string& json);
std::vector<Listed> parse_ps(const std::string& lines);
// The engine docker talks to: -H/--host in the global args, else
// DOCKER_HOST, else docker's default socket.
std::string endpoint(const std::vector<std::string>& global_args, const char* docker_host);

enum class Echo { none, err, both };

class Client {
 public:
  explicit Client(const Settings& settings);

  // Runs `docker <global args> <args>`. With `echo`, docker's output is also
  // copied to our stderr as it comes: pull progress belongs in the sandbox's
  // stderr file, and our stdout carries only the framed result. A command
  // that outlives CONTAINERIZER_DOCKER_TIMEOUT is killed and throws, naming
  // the engine; docker dies with us, so a killed call leaves no client behind.
  Result call(const std::vector<std::string>& args, Echo echo = Echo::none) const;

  // docker run -d ...: the new container's id; throws with docker's message.
  std::string run(const std::vector<std::string>& args) const;
  std::optional<Container> inspect(const std::string& name) const;
  // Our containers labelled with `work_directory`, running or not.
  std::vector<Listed> ps(const std::string& work_directory) const;
  // docker stop -t; false when there is no such container.
  bool stop(const std::string& name, double timeout_seconds) const;
  // docker rm -f -v (anonymous volumes too); false when there was none.
  bool remove(const std::string& name) const;
  void update(const std::string& name, const std::vector<std::string>& options) const;
  // The image's ENTRYPOINT and CMD, pulling it first when absent.
  ImageCommand image_command(const std::string& image) const;

 private:
  std::string executable_;
  std::vector<std::string> global_args_;
  double timeout_;
  std::string endpoint_;
};

}  // namespace dc::docker
