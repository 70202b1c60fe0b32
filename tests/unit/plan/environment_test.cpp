// dc::plan_run's environment: the executor's and the command's variables,
// the container's own, and the port variables.
#include <catch2/catch.hpp>

#include "plan/plan_fixtures.hpp"

using Catch::Matchers::Contains;
using namespace plan_test;

// ---------------------------------------------------------- port variables

namespace {

// The PORT* variables of a plan's environment.
Pairs port_variables(const dc::RunPlan& p) {
  Pairs ports;
  for (const auto& [key, value] : environment_of(p))
    if (key.rfind("PORT", 0) == 0) ports[key] = value;
  return ports;
}

std::string two_ranges(const std::string& first, const std::string& second) {
  return "resources { name: \"ports\" type: RANGES ranges { range { " + first + " } range { " + second +
         " } } } ";
}

const std::string kTaskPorts = "task_info { " + two_ranges("begin: 31005 end: 31006", "begin: 31000 end: 31000") + "}";

}  // namespace

TEST_CASE("PORT0...PORTn, PORT and PORTS come from the task's ports, in the order of its ranges") {
  const dc::Settings mode = GENERATE(settings(), executor_settings(), override_settings());
  CAPTURE(mode.task_mode);
  CHECK(port_variables(plan(command_task(kTaskPorts), mode)) ==
        Pairs{{"PORT0", "31005"}, {"PORT1", "31006"}, {"PORT2", "31000"}, {"PORT", "31005"},
              {"PORTS", "31005,31006,31000"}});
}

TEST_CASE("a Launch without a task takes the executor's ports; without any there are no port variables") {
  CHECK(port_variables(plan(launch(executor_resources(ports(8000, 8001))))) ==
        Pairs{{"PORT0", "8000"}, {"PORT1", "8001"}, {"PORT", "8000"}, {"PORTS", "8000,8001"}});
  CHECK(port_variables(plan(launch())).empty());
  CHECK(port_variables(plan(command_task())).empty());
}

TEST_CASE("the task's own ports win over its executor's") {
  CHECK(port_variables(plan(command_task(kTaskPorts + executor_resources(ports(40000, 40009)))))["PORTS"] ==
        "31005,31006,31000");
}

TEST_CASE("PORT_<container port> is the host port of each port mapping") {
  const std::string mappings = "port_mappings { host_port: 31000 container_port: 80 } "
                               "port_mappings { host_port: 31006 container_port: 53 protocol: \"udp\" }";
  const dc::RunPlan p = plan(launch(executor_resources(ports(31000, 31009)) + container("network: BRIDGE " + mappings)));
  const Pairs variables = port_variables(p);
  CHECK(variables.at("PORT_80") == "31000");
  CHECK(variables.at("PORT_53") == "31006");
  CHECK(variables.at("PORT0") == "31000");
  CHECK(variables.at("PORT9") == "31009");
  CHECK(p.network == "bridge");
  CHECK(p.ports == Args{"31000->80/tcp", "31006->53/udp"});
}

TEST_CASE("a variable the task's environment sets is kept, the others still come") {
  const std::string own = "task_info { command { environment { variables { name: \"PORT\" value: \"8080\" } "
                          "variables { name: \"PORT1\" value: \"mine\" } } } }";
  const Pairs variables = port_variables(plan(command_task(kTaskPorts + own), override_settings()));
  CHECK(variables.at("PORT") == "8080");
  CHECK(variables.at("PORT1") == "mine");
  CHECK(variables.at("PORT0") == "31005");
  CHECK(variables.at("PORTS") == "31005,31006,31000");
}

TEST_CASE("port variables stop at 1024 ports with a warning, and values beyond 65535 are no ports") {
  const dc::RunPlan wide = plan(launch(executor_resources(ports(1000, 1000000))));
  const Pairs variables = port_variables(wide);
  CHECK(variables.size() == 1024 + 2);
  CHECK(variables.at("PORT1023") == "2023");
  REQUIRE(wide.warnings.size() == 1);
  CHECK_THAT(wide.warnings[0], Contains("first 1024"));
  const Pairs beyond = port_variables(plan(launch(executor_resources(two_ranges("begin: 65535 end: 18446744073709551615",
                                                                                "begin: 70000 end: 70001")))));
  CHECK(beyond == Pairs{{"PORT0", "65535"}, {"PORT", "65535"}, {"PORTS", "65535"}});
}

// ----------------------------------------------------------- environment

TEST_CASE("the executor's variables reach the container, the agent's own never") {
  const Pairs environment = environment_of(plan(launch()));
  for (const char* key : {"MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_SLAVE_ID", "MESOS_SLAVE_PID",
                          "MESOS_AGENT_ENDPOINT", "MESOS_CHECKPOINT", "MESOS_RECOVERY_TIMEOUT",
                          "MESOS_SUBSCRIPTION_BACKOFF_MAX", "MESOS_HTTP_COMMAND_EXECUTOR",
                          "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "MESOS_NATIVE_LIBRARY",
                          "MESOS_NATIVE_JAVA_LIBRARY", "LIBPROCESS_IP"}) {
    CAPTURE(key);
    CHECK(environment.at(key) == agent_environment().at(key));
  }
  for (const char* key : {"PATH", "HOME", "MESOS_MASTER", "MESOS_WORK_DIRECTORY", "MESOS_LIBEXEC_DIRECTORY",
                          "MESOS_DEFAULT_CONTAINER_IMAGE"}) {
    CAPTURE(key);
    CHECK(environment.count(key) == 0);
  }
}

TEST_CASE("the container's own variables: port 0, sandbox and name") {
  const dc::RunPlan p = plan(launch());
  const Pairs environment = environment_of(p);
  // The agent's port leaks into what it passes; the executor needs its own.
  CHECK(environment.at("LIBPROCESS_PORT") == "0");
  CHECK(environment.at("MESOS_DIRECTORY") == "/mnt/mesos/sandbox");
  CHECK(environment.at("MESOS_SANDBOX") == "/mnt/mesos/sandbox");
  CHECK(environment.at("MESOS_CONTAINER_NAME") == p.name);
}

TEST_CASE("CommandInfo environments of task and executor are set, values verbatim") {
  const Pairs environment = environment_of(plan(command_task(
      "executor_info { command { environment { variables { name: \"ODD\" value: \"a=b c\" } } } }"),
      executor_settings()));
  CHECK(environment.at("TASK_VAR") == "from task");
  CHECK(environment.at("EXECUTOR_VAR") == "from executor");
  CHECK(environment.at("ODD") == "a=b c");
}

// ------------------------------------------------------------ hostile input

TEST_CASE("environment names that would set another variable are refused") {
  for (const std::string name : {"A=B", "=x", ""}) {
    CAPTURE(name);
    CHECK_THAT(refusal(launch("executor_info { command { environment { variables { name: \"" + name +
                              "\" value: \"v\" } } } }")),
               Contains("invalid environment variable name"));
  }
  CHECK_THAT(refusal(launch("executor_info { command { environment { variables { name: \"A\\000B\" value: \"v\" } } } }")),
             Contains("invalid environment variable name"));
}

TEST_CASE("a value with a newline stays one variable; a NUL anywhere is refused") {
  const Pairs environment = environment_of(
      plan(launch("executor_info { command { environment { variables { name: \"V\" value: \"a\\nB=c\" } } } }")));
  CHECK(environment.at("V") == "a\nB=c");
  CHECK(environment.count("B") == 0);
  CHECK_THAT(refusal(launch("executor_info { command { environment { variables { name: \"V\" value: \"a\\000b\" } } } }")),
             Contains("NUL byte"));
  CHECK_THAT(refusal(launch("executor_info { command { value: \"echo a\\000b\" } }")), Contains("NUL byte"));
}
