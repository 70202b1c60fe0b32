#include "protocol/messages.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <string>

#include "base/error.hpp"
#include "codec/text.hpp"
#include "protocol/framing.hpp"

using Catch::Matchers::Contains;
namespace messages = dc::messages;

namespace {

// A task's resources as to_text prints them: an Update sets them, a
// Launch's task_info asks for them (nested).
const std::string kResources = R"pb(resources {
  name: "cpus"
  type: SCALAR
  scalar {
    value: 1.25
  }
  role: "*"
}
resources {
  name: "mem"
  type: SCALAR
  scalar {
    value: 512
  }
  role: "web"
}
resources {
  name: "ports"
  type: RANGES
  ranges {
    range {
      begin: 31000
      end: 31000
    }
    range {
      begin: 31500
      end: 32000
    }
  }
  role: "*"
}
)pb";

// `text` as to_text prints it nested one level deeper.
std::string nested(const std::string& text) {
  std::istringstream lines(text);
  std::string out;
  for (std::string line; std::getline(lines, line);) out += "  " + line + "\n";
  return out;
}

// One realistic message per name, written exactly as to_text prints it, so
// the round trip can be compared with the original text itself.
const std::map<std::string, std::string> kSamples = {
    {"Launch", R"pb(container_id {
  value: "6c1f0e2a-1b7d-4c55-9a0e-3f2d8c9b7a10"
}
task_info {
  name: "web-1"
  task_id {
    value: "web-1"
  }
  slave_id {
    value: "dce23285-dc9c-40e6-b249-56f6c21562b5-S3"
  }
)pb" + nested(kResources) + R"pb(  data: "payload"
  container {
    type: DOCKER
    volumes {
      container_path: "/data"
      host_path: "/srv/data"
      mode: RO
    }
    docker {
      image: "library/busybox:1.36"
      network: BRIDGE
      port_mappings {
        host_port: 31000
        container_port: 80
        protocol: "tcp"
      }
      parameters {
        key: "shm-size"
        value: "256m"
      }
    }
    hostname: "web"
  }
  labels {
    labels {
      key: "team"
      value: "infra"
    }
  }
}
executor_info {
  executor_id {
    value: "custom-executor"
  }
  resources {
    name: "mem"
    type: SCALAR
    scalar {
      value: 64
    }
    role: "*"
  }
  command {
    uris {
      value: "http://example.org/executor.tgz"
      extract: true
    }
    environment {
      variables {
        name: "GREETING"
        value: "hi there"
      }
    }
    value: "./executor"
    shell: false
    arguments: "executor"
    arguments: "--verbose"
  }
  framework_id {
    value: "dce23285-dc9c-40e6-b249-56f6c21562b5-0004"
  }
  name: "custom executor"
  source: "web"
  shutdown_grace_period {
    nanoseconds: 5000000000
  }
}
directory: "/var/lib/mesos/slaves/S3/frameworks/F4/executors/custom-executor/runs/6c1f0e2a"
user: "nobody"
slave_id {
  value: "dce23285-dc9c-40e6-b249-56f6c21562b5-S3"
}
slave_pid: "slave(1)@127.0.0.1:5051"
checkpoint: true
)pb"},
    {"Update", R"pb(container_id {
  value: "6c1f0e2a"
}
)pb" + kResources},
    // The calls that name a container carry its id alone.
    {"Wait", "container_id {\n  value: \"wait-me\"\n}\n"},
    {"Destroy", "container_id {\n  value: \"destroy-me\"\n}\n"},
    {"Usage", "container_id {\n  value: \"measure-me\"\n}\n"},
    {"Containers", R"pb(containers {
  value: "435253ab-d246-47be-a350-35420465d868"
}
containers {
  value: "739d0e80-66a3-4cf4-98ea-d0fad73c2a29"
}
)pb"},
    {"Termination", R"pb(killed: true
message: "Memory limit exceeded: limit 32 MiB, container terminated by signal 9 (Killed)"
status: 9
state: TASK_FAILED
reasons: REASON_CONTAINER_LIMITATION_MEMORY
)pb"},
    {"ResourceStatistics", R"pb(timestamp: 1700000000.25
cpus_user_time_secs: 12.5
cpus_system_time_secs: 3.75
cpus_limit: 0.3
mem_rss_bytes: 10485760
mem_limit_bytes: 167772160
cpus_nr_periods: 1200
cpus_nr_throttled: 17
cpus_throttled_time_secs: 0.125
mem_file_bytes: 4096
mem_anon_bytes: 8388608
mem_mapped_file_bytes: 2048
net_rx_packets: 100
net_rx_bytes: 64000
net_tx_packets: 90
net_tx_bytes: 32000
processes: 3
threads: 5
mem_total_bytes: 12582912
mem_total_memsw_bytes: 12582912
mem_soft_limit_bytes: 167772160
mem_cache_bytes: 2097152
mem_swap_bytes: 0
mem_unevictable_bytes: 0
)pb"},
};

// Partial: tests also build messages that lack required fields on purpose.
std::string serialize(const google::protobuf::Message& message) {
  std::string bytes;
  REQUIRE(message.SerializePartialToString(&bytes));
  return bytes;
}

// Parses `payload` as a new message of `name`, returning its text.
std::string parse_as(const std::string& name, const std::string& payload) {
  auto message = messages::create(name);
  messages::parse(payload, *message);
  return messages::to_text(*message);
}

}  // namespace

TEST_CASE("names() lists every protocol message") {
  const std::vector<std::string> expected = {"Containers", "Destroy", "Launch", "ResourceStatistics",
                                             "Termination", "Update", "Usage", "Wait"};
  auto names = messages::names();
  std::sort(names.begin(), names.end());
  CHECK(names == expected);
}

TEST_CASE("create() makes a message of the named type") {
  for (const auto& name : messages::names()) CHECK(messages::create(name)->GetDescriptor()->name() == name);
  CHECK(messages::create("ResourceStatistics")->GetDescriptor()->full_name() == "mesos.ResourceStatistics");
  CHECK(messages::create("Launch")->GetDescriptor()->full_name() == "mesos.containerizer.Launch");
}

TEST_CASE("create() of an unknown name lists the valid ones") {
  CHECK_THROWS_AS(messages::create("Lunch"), dc::Error);
  CHECK_THROWS_WITH(messages::create("Lunch"), Contains("unknown message 'Lunch'") && Contains("Launch") &&
                                                   Contains("Termination") && Contains("ResourceStatistics"));
}

TEST_CASE("parse() refuses bytes that are not protobuf") {
  mesos::containerizer::Launch launch;
  // A truncated length-delimited field, then an invalid wire type.
  CHECK_THROWS_WITH(messages::parse(std::string("\x0a\x10\x0a", 3), launch),
                    Contains("cannot parse the 3-byte frame as Launch"));
  CHECK_THROWS_WITH(messages::parse(std::string("\xff\xff\xff\xff", 4), launch), Contains("as Launch"));
}

TEST_CASE("parse() refuses missing required fields, naming them") {
  SECTION("empty Wait: no container_id") {
    mesos::containerizer::Wait wait;
    CHECK_THROWS_WITH(messages::parse("", wait), Contains("Wait lacks required fields") && Contains("container_id"));
  }
  SECTION("container_id present but without its value") {
    mesos::containerizer::Launch launch;
    CHECK_THROWS_WITH(messages::parse(std::string("\x0a\x00", 2), launch), Contains("container_id.value"));
  }
  SECTION("ResourceStatistics without timestamp") {
    mesos::ResourceStatistics statistics;
    statistics.set_cpus_limit(1);
    CHECK_THROWS_WITH(messages::parse(serialize(statistics), statistics), Contains("timestamp"));
  }
}

TEST_CASE("parse() accepts an empty payload when no field is required") {
  // A `containers` result with no container is a 0-length frame.
  mesos::containerizer::Containers containers;
  CHECK_NOTHROW(messages::parse("", containers));
  CHECK(containers.containers_size() == 0);
}

TEST_CASE("parse_text() refuses bad text with its position") {
  mesos::containerizer::Wait wait;
  CHECK_THROWS_WITH(messages::parse_text("container_id { value: \"x\" }\nno_such_field: 1", wait),
                    Contains("cannot parse text as Wait: line 2") && Contains("no_such_field"));
  CHECK_THROWS_WITH(messages::parse_text("", wait), Contains("lacks required fields"));
}

TEST_CASE("every message round trips text -> message -> binary -> message -> text") {
  // Keeps the samples complete when a message is added to the registry.
  for (const auto& name : messages::names()) CHECK(kSamples.count(name) == 1);

  for (const auto& [name, text] : kSamples) {
    DYNAMIC_SECTION(name) {
      auto message = messages::create(name);
      messages::parse_text(text, *message);
      const std::string bytes = serialize(*message);
      CHECK(parse_as(name, bytes) == text);
      // And through a frame, as the agent sends it.
      CHECK(parse_as(name, dc::framing::frame(bytes).substr(4)) == text);
    }
  }
}

TEST_CASE("unknown fields survive a parse and serialize") {
  // Agents send fields this program leaves out of its .proto (disk, health
  // checks): field 100 here must be kept, not dropped.
  mesos::containerizer::Wait wait;
  messages::parse_text(kSamples.at("Wait"), wait);
  const std::string bytes = serialize(wait) + std::string("\xa0\x06\x2a", 3);  // field 100 varint 42
  mesos::containerizer::Wait parsed;
  messages::parse(bytes, parsed);
  CHECK(serialize(parsed) == bytes);
}
