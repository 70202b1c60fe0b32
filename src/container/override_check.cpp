// Override mode's health checks: the mesos-health-check wrapper and the
// rewrite of a check into one that runs in the task's container.
#include "container/override_check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/error.hpp"
#include "base/settings.hpp"
#include "host/process.hpp"
#include "plan/run_argv.hpp"
#include "protocol/naming.hpp"

namespace dc::override_check {
namespace {

using nlohmann::json;

// A string field as a word of an argv: no NUL, which would cut it short.
std::string word(const json& value, const std::string& what) {
  if (!value.is_string()) throw Error(what + " is not a string");
  const auto& text = value.get_ref<const std::string&>();
  if (text.find('\0') != std::string::npos) throw Error(what + " holds a NUL");
  return text;
}

void only_fields(const json& object, const std::vector<std::string>& known, const std::string& what) {
  if (!object.is_object()) throw Error(what + " is not an object");
  for (const auto& [key, value] : object.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw Error("unknown field '" + key + "' in " + what);
}

// CommandInfo.environment as enter's --env words (the check's variables
// reach only the container).
std::vector<std::string> env_options(const json& command) {
  std::vector<std::string> options;
  if (!command.contains("environment")) return options;
  const json& environment = command["environment"];
  only_fields(environment, {"variables"}, "the check's environment");
  if (!environment.contains("variables")) return options;
  if (!environment["variables"].is_array()) throw Error("the check's environment variables are not a list");
  for (const json& variable : environment["variables"]) {
    only_fields(variable, {"name", "value"}, "a variable of the check's environment");
    const std::string name = word(variable.value("name", json()), "a variable's name");
    if (name.empty() || name.find('=') != std::string::npos)
      throw Error("the check's environment has a variable named '" + name + "'");
    options.push_back("--env=" + name + "=" + word(variable.value("value", json("")), "variable " + name));
  }
  return options;
}

// The check's command as enter runs it in the container: `/bin/sh -c VALUE`
// for a shell command (the container's shell, as docker exec's), else VALUE
// with ARGUMENTS after their argv[0], as Mesos's checker execs them.
std::vector<std::string> container_words(const json& command) {
  if (!command.contains("value")) throw Error("the check's command has no value");
  const std::string value = word(command["value"], "the check's command");
  const json shell = command.value("shell", json(true));
  if (!shell.is_boolean()) throw Error("the check's shell is not true or false");
  if (shell.get<bool>()) return {"/bin/sh", "-c", value};
  std::vector<std::string> words = {value};
  const json arguments = command.value("arguments", json::array());
  if (!arguments.is_array()) throw Error("the check's arguments are not a list");
  for (size_t i = 1; i < arguments.size(); ++i) words.push_back(word(arguments[i], "an argument of the check"));
  return words;
}

// What enter needs of this process's environment on the host: its settings
// and the docker client's, and PATH.
json host_variables(const std::map<std::string, std::string>& environment) {
  json variables = json::array();
  for (const auto& [name, value] : environment) {
    const bool setting = name.rfind("CONTAINERIZER_", 0) == 0 || name.rfind("DOCKER_", 0) == 0 || name == "PATH";
    if (setting) variables.push_back({{"name", name}, {"value", value}});
  }
  return variables;
}

std::string variable(const CallEnvironment& environment, const char* name) {
  std::string value = environment.value(name);
  if (value.empty()) throw Error(std::string(name) + " is not set in the executor's environment");
  return value;
}

}  // namespace

std::string rewrite(const std::string& text, const Target& target) {
  const json check = json::parse(text, nullptr, false);
  if (check.is_discarded()) throw Error("its --health_check_json is not JSON");
  only_fields(check,
              {"command", "delay_seconds", "interval_seconds", "timeout_seconds", "consecutive_failures",
               "grace_period_seconds"},
              "the health check");
  if (!check.contains("command")) throw Error("it has no command");
  const json& command = check["command"];
  // user and uris: Mesos's checker ignores them too.
  only_fields(command, {"value", "shell", "arguments", "environment", "user", "uris"}, "the check's command");

  std::vector<std::string> arguments = {"docker-containerizer", "--state-dir", target.state_dir, "enter",
                                        target.container_id};
  for (auto& option : env_options(command)) arguments.push_back(std::move(option));
  arguments.push_back("--");
  for (auto& word : container_words(command)) arguments.push_back(std::move(word));

  json rewritten = check;
  for (auto& [key, value] : rewritten.items())
    if (key != "command" && !value.is_number()) throw Error("its " + key + " is not a number");
  rewritten["command"] = {{"shell", false},
                          {"value", target.self},
                          {"arguments", arguments},
                          {"environment", {{"variables", host_variables(target.host_environment)}}}};
  return rewritten.dump();
}

void link_checker(const std::string& dir, const std::string& self) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    throw Error("cannot create " + dir + ": " + strerror(errno));
  const std::string link = dir + "/" + kCheckerName;
  if (::symlink(self.c_str(), link.c_str()) != 0 && errno != EEXIST)
    throw Error("cannot link " + link + " to " + self + ": " + strerror(errno));
}

int run(int argc, char** argv, const CallEnvironment& environment) {
  std::string container = "?";
  try {
    container = variable(environment, kContainerVariable);
    ids::validate("container id", container);
    const Target target{self_path(), variable(environment, kStateDirVariable), container, environment.variables};
    const std::string checker = variable(environment, "MESOS_LIBEXEC_DIRECTORY") + "/" + kCheckerName;
    if (::access(checker.c_str(), X_OK) != 0)
      throw Error("cannot run the agent's " + checker + ": " + strerror(errno));
    const std::string flag = "--health_check_json=";
    std::vector<std::string> words(argv, argv + argc);
    bool found = false;
    for (auto& word : words)
      if (word.rfind(flag, 0) == 0) {
        word = flag + rewrite(word.substr(flag.size()), target);
        found = true;
      }
    if (!found) throw Error("no " + flag + " among its arguments");
    const process::ExecVectors vectors(words, target.host_environment);
    ::execve(checker.c_str(), vectors.argv(), vectors.envp());
    throw Error("cannot execute " + checker + ": " + strerror(errno));
  } catch (const std::exception& e) {
    std::cerr << "docker-containerizer: container " << container << ": health check not run: " << e.what()
              << " (override mode runs a check only inside the task's container)" << std::endl;
    return 1;
  }
}

}  // namespace dc::override_check
