#pragma once
// The command line of `launch-container --master`: the local mode's flags
// (image, resources, environment, network, volumes, user, id, uris) plus
// the cluster's (master, role, principal/secret, offer timeout).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mesos.pb.h"

namespace dc::framework {

struct Options {
  std::string master;                  // HOST:PORT[,HOST:PORT...], zk://... or file://...
  std::string image;                   // default $MESOS_DEFAULT_CONTAINER_IMAGE
  double cpus = 0.5;
  double mem = 128;                    // MiB
  std::vector<std::string> env;        // NAME=VALUE
  std::string network = "host";        // host, bridge, none or user
  std::vector<std::string> volumes;    // HOST:CONTAINER[:ro|:rw], named:..., persistent:...
  std::vector<std::string> uris;       // URL[,extract=false][,executable][,cache]
  std::string user;                    // the task's user (default: the agent's choice)
  std::string id;                      // task id (default launch-<time>-<pid>)
  std::string role = "*";
  std::string principal;
  std::string secret;                  // HTTP basic auth with `principal`
  // Seconds the master keeps the framework (and its task) when this program
  // loses it, and the time it looks for a new leading master.
  double failover_timeout = 120;
  double timeout = 60;                 // seconds to wait for a fitting offer
  std::string health_cmd;              // a shell command run in the task's container as its health check
  // The check's schedule, in seconds, and the failures that kill the task (Mesos's defaults).
  double health_delay = 15, health_interval = 10, health_timeout = 20, health_grace = 10;
  uint32_t health_retries = 3;
  std::vector<std::string> command;    // one word: /bin/sh -c; several: an argv
  std::vector<std::string> warnings;   // to print before the run (e.g. --secret on the command line)
};

// Parses argv (argv[0] included). Options come first, then the command (after
// `--` or at the first word that is not an option). Without --image, two or
// more words not after `--` are IMAGE COMMAND... (the original README's
// form); otherwise the words are the command (the local form's reading) and
// the image comes from MESOS_DEFAULT_CONTAINER_IMAGE. The principal and
// secret also come from DEFAULT_PRINCIPAL and DEFAULT_SECRET (what Mesos's
// example frameworks read) or --secret-file. Throws dc::Error with one line
// for a bad value; `help` is set (and nothing checked) for -h/--help.
Options parse(int argc, const char* const* argv, bool& help);

// `text` cut at every `separator` ("a,,b," -> a, "", b, "").
std::vector<std::string> split(const std::string& text, char separator);

// Overwrites the credentials of every zk:// URL in argv with '*': what ps
// shows of this process (/proc/PID/cmdline is argv's memory). After parse.
void hide_credentials(int argc, char** argv);

// The usage text.
std::string usage();

// The task's CommandInfo: the command (shell or argv), environment, uris, user.
mesos::CommandInfo command_info(const Options& options);

// The task's DOCKER ContainerInfo: image, network, volumes.
mesos::ContainerInfo container_info(const Options& options);

// A persistent volume the task asks for (--volume persistent:ID:PATH[:ro][,size=MIB]):
// the one of the role the offer holds, else made of its unreserved disk.
struct PersistentVolume {
  std::string id;
  std::string container_path;
  bool readonly = false;
  double size = 64;  // MiB, when it is made
};
std::vector<PersistentVolume> persistent_volumes(const Options& options);

// The task's command health check, with --health-cmd.
std::optional<mesos::HealthCheck> health_check(const Options& options);

}  // namespace dc::framework
