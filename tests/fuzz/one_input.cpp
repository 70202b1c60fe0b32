#include "one_input.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "base/error.hpp"
#include "plan/run_argv.hpp"
#include "protocol/framing.hpp"
#include "protocol/naming.hpp"
#include "protocol/messages.hpp"
#include "protocol/termination.hpp"

namespace dc::fuzz {
namespace {

using mesos::containerizer::Launch;

// The frame as the program reads it from stdin; the raw bytes when they
// are no frame, so that the parsers still see every input.
std::string payload_of(const std::string& bytes) {
  int fd = ::memfd_create("fuzz-input", MFD_CLOEXEC);
  if (fd < 0) return bytes;
  std::string payload = bytes;
  if (::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::lseek(fd, 0, SEEK_SET) == 0) {
    try {
      payload = framing::read_frame(fd, 1 << 20);
    } catch (const Error&) {
    }
  }
  ::close(fd);
  return payload;
}

template <typename Message>
void parse_as(const std::string& payload) {
  Message message;
  try {
    messages::parse(payload, message);
  } catch (const Error&) {
  }
}

void require(bool condition, const std::string& what) {
  if (!condition) throw Violation(what);
}

// What docker must see whatever the Launch said: no NUL (exec would cut the
// argument), the image where an image goes and not an option, our name.
void check_plan(const Launch& launch, const RunPlan& plan) {
  for (const auto& arg : plan.args) require(arg.find('\0') == std::string::npos, "NUL in a docker argument");
  require(plan.args.size() > 2 && plan.args[0] == "run" && plan.args[1] == "-d", "not a docker run -d");
  require(!plan.image.empty() && plan.image[0] != '-', "an image that reads as an option: " + plan.image);
  require(ids::valid(launch.container_id().value()), "an invalid container id got through");
  size_t image = 0;
  for (size_t i = 0; i + 2 < plan.args.size(); ++i)
    if (plan.args[i] == "--entrypoint" && plan.args[i + 1] == kInitPath) image = i + 2;
  require(image > 0 && plan.args[image] == plan.image, "the image is not after --entrypoint");
  for (size_t i = 0; i < image; ++i)
    if (plan.args[i] == "-e") require(i + 1 < image && plan.args[i + 1].find('=') > 0, "an -e without a name");
}

void plan(const Launch& launch, const std::string& task_mode, const std::string& host_volumes = "none") {
  Settings settings;
  settings.task_mode = task_mode;
  settings.host_volumes = host_volumes;
  settings.state_dir = "/var/lib/mesos/docker-containerizer";
  settings.init = "/opt/dc/containerizer-init";
  RunInputs inputs;
  inputs.environment = {{"MESOS_WORK_DIRECTORY", "/var/lib/mesos"},
                        {"MESOS_LIBEXEC_DIRECTORY", "/usr/libexec/mesos"},
                        {"MESOS_DEFAULT_CONTAINER_IMAGE", "library/debian:12"},
                        {"MESOS_FRAMEWORK_ID", "f1"}};
  inputs.user = UserIds{1000, 1000, {1000, 27}};
  inputs.run_dir = settings.state_dir + "/containers/x/run";
  inputs.init = settings.init;
  inputs.self = "/opt/dc/docker-containerizer";
  inputs.libexec_exists = true;
  inputs.image = Image{"sha256:fuzz", {}, ImageCommand{{"/entry"}, {"cmd", "arg"}}};
  try {
    check_plan(launch, plan_run(launch, settings, inputs));
  } catch (const Error&) {
  }
}

}  // namespace

void one_input(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::string payload = payload_of(bytes);
  parse_as<mesos::containerizer::Wait>(payload);
  parse_as<mesos::containerizer::Update>(payload);
  parse_as<mesos::containerizer::Destroy>(payload);
  parse_as<mesos::containerizer::Usage>(payload);
  parse_as<mesos::containerizer::Termination>(payload);
  termination::parse_status_file(bytes);
  Launch launch;
  try {
    messages::parse(payload, launch);
  } catch (const Error&) {
    return;
  }
  plan(launch, "executor");
  plan(launch, "override");
  // The default refuses host paths; any lets them reach the argv.
  plan(launch, "auto", "any");
}

}  // namespace dc::fuzz
