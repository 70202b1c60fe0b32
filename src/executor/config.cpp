#include "executor/config.hpp"

#include <cstdlib>

#include "base/error.hpp"

namespace dc::executor {

Duration parse_duration(std::string_view text) {
  struct Unit {
    const char* name;
    double ms;
  };
  static const Unit kUnits[] = {{"ns", 1e-6},   {"us", 1e-3},      {"ms", 1},          {"secs", 1e3},
                                {"mins", 6e4}, {"hrs", 3.6e6},    {"days", 8.64e7},   {"weeks", 6.048e8}};
  const size_t digits = text.find_first_not_of("0123456789.");
  const std::string number(text.substr(0, digits));
  const std::string_view unit = digits == std::string_view::npos ? std::string_view() : text.substr(digits);
  char* end = nullptr;
  const double value = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  if (value >= 0 && end == number.c_str() + number.size())
    for (const auto& u : kUnits)
      if (unit == u.name) return Duration(static_cast<long long>(value * u.ms));
  throw Error("malformed duration '" + std::string(text) + "' (expected e.g. 15mins, 2secs, 500ms)");
}

namespace {

std::string required(const Environment& environment, const std::string& name) {
  auto found = environment.find(name);
  if (found == environment.end() || found->second.empty())
    throw Error(name + " is not set: the host executor needs the agent's executor environment");
  return found->second;
}

void duration(const Environment& environment, const std::string& name, Duration& into) {
  auto found = environment.find(name);
  if (found == environment.end() || found->second.empty()) return;
  try {
    into = parse_duration(found->second);
  } catch (const Error& e) {
    throw Error(name + ": " + e.what());
  }
}

}  // namespace

Config config_from(const Environment& environment) {
  Config config;
  config.agent = http::Url::parse(required(environment, "MESOS_AGENT_ENDPOINT"));
  config.agent.target = "/api/v1/executor";
  config.framework_id = required(environment, "MESOS_FRAMEWORK_ID");
  config.executor_id = required(environment, "MESOS_EXECUTOR_ID");
  // It becomes a URL path: only a libprocess id's characters.
  auto pid = environment.find("MESOS_SLAVE_PID");
  const size_t at = pid == environment.end() ? std::string::npos : pid->second.find('@');
  if (at != std::string::npos && at > 0 &&
      pid->second.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789()_.-") >= at)
    config.agent_process = pid->second.substr(0, at);
  auto checkpoint = environment.find("MESOS_CHECKPOINT");
  config.checkpoint = checkpoint != environment.end() && checkpoint->second == "1";
  duration(environment, "MESOS_RECOVERY_TIMEOUT", config.recovery_timeout);
  duration(environment, "MESOS_SUBSCRIPTION_BACKOFF_MAX", config.backoff_max);
  duration(environment, "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", config.shutdown_grace);
  return config;
}

}  // namespace dc::executor
