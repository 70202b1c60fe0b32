// docker-containerizer: a Mesos external containerizer that runs every
// executor and task in a Docker container. The agent runs it once per
// operation with one command word, one framed protobuf on stdin and one on
// stdout (PROTOCOL.md); logs go to stderr.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <iostream>

#include "base/error.hpp"
#include "base/log.hpp"
#include "base/logged.hpp"
#include "base/settings.hpp"
#include "commands/commands.hpp"
#include "container/override_check.hpp"
#include "executor/executor.hpp"
#include "protocol/messages.hpp"

namespace {

using dc::Settings;
using Handler = std::function<int(const Settings&)>;

struct Command {
  const char* name;
  const char* help;
  Handler handler;
};

const Command kProtocolCommands[] = {
    {"launch", "start a container from a Launch on stdin; returns once it runs", dc::commands::launch},
    {"update", "apply the resources of an Update on stdin", dc::commands::update},
    {"usage", "write the ResourceStatistics of the container in a Usage on stdin", dc::commands::usage},
    {"wait", "block until the container in a Wait on stdin ends; write its Termination", dc::commands::wait},
    {"destroy", "kill and remove the container in a Destroy on stdin", dc::commands::destroy},
    {"containers", "write the Containers this agent instance has (reads no stdin)", dc::commands::containers},
    {"recover", "reconcile state with the engine after an agent restart (reads no stdin)", dc::commands::recover},
};

// No command, or a word that is none: one line naming them all, exit 2 as
// for any usage error.
int unknown_command(const CLI::App& app) {
  std::string known;
  for (const auto* command : app.get_subcommands([](const CLI::App* c) { return !c->get_group().empty(); }))
    known += (known.empty() ? "" : ", ") + command->get_name();
  auto words = app.remaining();
  std::cerr << "docker-containerizer: "
            << (words.empty() ? std::string("no command given") : "unknown command '" + words.front() + "'")
            << " (known: " << known << ")" << std::endl;
  return 2;
}

// `enter ID -- COMMAND [ARG...]`: the command's words, verbatim (CLI11 would
// read a word such as `[` as the start of a list); argc is cut before `--`.
std::vector<std::string> command_words(int& argc, char** argv) {
  bool enter = false;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    enter = enter || word == "enter";
    if (enter && word == "--") {
      std::vector<std::string> words(argv + i + 1, argv + argc);
      argc = i;
      return words;
    }
  }
  return {};
}

int run(int argc, char** argv, const dc::CallEnvironment& environment) {
  CLI::App app{"docker-containerizer: runs Mesos executors and tasks in Docker containers.\n"
               "The agent runs it with one command, one framed protobuf on stdin and one on stdout."};
  // One command, or none with --version (a missing one is reported below).
  app.require_subcommand(0, 1);
  app.fallthrough();
  // One line per failure, in the sandbox's stderr file: the help is for --help.
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    return std::string("docker-containerizer: ") + (failed->get_parent() ? failed->get_name() + ": " : "") +
           e.what() + " (see --help)\n";
  });
  Settings settings;
  settings.environment = environment;
  dc::add_flags(app, settings);
  auto* version = app.add_flag("--version", "print the version, git revision, protobuf and docker client versions");

  Handler chosen;
  std::string log_name;
  // The command a subcommand runs, and the name it logs under.
  auto runs = [&chosen, &log_name](CLI::App* subcommand, Handler handler) {
    subcommand->callback([&chosen, &log_name, subcommand, handler] {
      chosen = handler;
      log_name = subcommand->get_name();
    });
  };
  for (const auto& command : kProtocolCommands)
    runs(app.add_subcommand(command.name, command.help), command.handler);
  std::string message, container_id;
  auto names = dc::messages::names();
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  auto* encode = app.add_subcommand("encode", "protobuf text format on stdin -> framed binary on stdout");
  encode->add_option("message", message, "one of: " + list)->required();
  runs(encode, [&](const Settings& s) { return dc::commands::codec(s, "encode", message); });
  auto* decode = app.add_subcommand("decode", "framed binary on stdin -> protobuf text format on stdout");
  decode->add_option("message", message, "one of: " + list)->required();
  runs(decode, [&](const Settings& s) { return dc::commands::codec(s, "decode", message); });
  const std::vector<std::string> words = command_words(argc, argv);
  std::vector<std::string> env;
  auto* enter = app.add_subcommand(
      "enter", "run a command inside a running container as a health check runs (by the container's init, with "
               "its confinement, user and environment): enter ID [--env NAME=VALUE]... -- COMMAND [ARG...]");
  enter->add_option("container_id", container_id)->required();
  enter->add_option("--env", env, "NAME=VALUE: a variable of the command's, over the container's (repeatable)")
      ->allow_extra_args(false);
  runs(enter, [&](const Settings& s) { return dc::commands::enter(s, container_id, env, words); });
  runs(app.add_subcommand("check", "on an agent's host: whether each running Mesos agent's libprocess worker "
                                   "threads leave room for more containers (README \"Agents under load\")"),
       dc::commands::check);
  auto* await = app.add_subcommand("await", "internal: wait for a container and exit with its exit code");
  await->add_option("container_id", container_id)->required();
  runs(await, [&](const Settings& s) { return dc::commands::await(s, container_id); });
  await->group("");  // hidden from --help: only override mode's host executor runs it
  auto* executor = app.add_subcommand("executor", "internal: host mode's executor of a container's task");
  executor->add_option("container_id", container_id)->required();
  runs(executor, [&](const Settings& s) { return dc::executor::run(s, container_id); });
  executor->group("");  // hidden from --help: only launch starts it, in host mode

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help goes to stdout as a person expects; errors are one line on stderr.
    if (e.get_exit_code() == 0) return app.exit(e);
    if (app.get_subcommands().empty()) return unknown_command(app);
    return app.exit(e, std::cerr, std::cerr);
  }
  // After parsing, so that it sees CONTAINERIZER_DOCKER and friends.
  if (*version) return dc::commands::version(settings);
  if (!chosen) return unknown_command(app);
  dc::log::init(log_name, settings.log_level, log_name == "executor");
  return dc::log::logged([&] {
    dc::finalize(settings);
    return chosen(settings);
  });
}

}  // namespace

int main(int argc, char** argv) {
  // A reader that goes away must surface as EPIPE from write(), not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  // Mesos's command executor runs this program as its health checker in
  // override mode (src/container/override_check.hpp).
  // The one reading of the environment: everything below gets it from here.
  const dc::CallEnvironment environment = dc::read_environment(environ);
  const std::string name = argc > 0 ? argv[0] : "";
  if (name.substr(name.rfind('/') + 1) == dc::override_check::kCheckerName)
    return dc::override_check::run(argc, argv, environment);
  try {
    return run(argc, argv, environment);
  } catch (const std::exception& e) {
    std::cerr << "docker-containerizer: error: " << e.what() << std::endl;
  } catch (...) {
    std::cerr << "docker-containerizer: error: unexpected failure" << std::endl;
  }
  return 1;
}
