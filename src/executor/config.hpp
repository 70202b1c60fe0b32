#pragma once
// What the host executor learns from the environment the agent gave it (the
// same variables Mesos's executor library reads, src/executor/executor.cpp).
#include <chrono>
#include <string>
#include <string_view>

#include "http/client.hpp"
#include "base/types.hpp"

namespace dc::executor {

using Duration = std::chrono::milliseconds;

// Mesos's Duration text: a decimal number and one of ns, us, ms, secs, mins,
// hrs, days, weeks ("15mins", "2secs", "0.5secs"). Throws dc::Error.
Duration parse_duration(std::string_view text);

struct Config {
  http::Url agent;              // http://$MESOS_AGENT_ENDPOINT/api/v1/executor
  std::string framework_id;     // MESOS_FRAMEWORK_ID
  std::string executor_id;      // MESOS_EXECUTOR_ID
  std::string agent_process = "slave(1)";  // MESOS_SLAVE_PID's id: slave(1)@host:port
  bool checkpoint = false;      // MESOS_CHECKPOINT=1: wait for an agent restart
  Duration recovery_timeout = std::chrono::minutes(15);      // MESOS_RECOVERY_TIMEOUT
  Duration backoff_max = std::chrono::seconds(2);            // MESOS_SUBSCRIPTION_BACKOFF_MAX
  Duration shutdown_grace = std::chrono::seconds(5);         // MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD
};

// Throws dc::Error naming a missing or malformed variable.
Config config_from(const Environment& environment);

}  // namespace dc::executor
