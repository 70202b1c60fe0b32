// --version: what an operator quotes in a bug report: this program's version
// and git revision, the protobuf runtime built into it, and the docker CLI it
// drives. Always exits 0: a docker that cannot be run is said in its field.
#include <google/protobuf/stubs/common.h>

#include <algorithm>
#include <iostream>

#include "commands/commands.hpp"
#include "docker/docker.hpp"
#include "version.h"  // generated at each build: DC_VERSION, DC_REVISION

namespace dc::commands {

int version(const Settings& settings) {
  // An engine that hangs must not hang --version for CONTAINERIZER_DOCKER_TIMEOUT.
  docker::Cli quick = docker::cli_of(settings);
  quick.timeout = quick.timeout > 0 ? std::min(quick.timeout, 10.0) : 10.0;
  std::string docker;
  try {
    docker = docker::Client(quick).client_version();
  } catch (const std::exception& e) {
    docker = std::string("unavailable: ") + e.what();
  }
  std::cout << "docker-containerizer " << DC_VERSION << "\n"
            << "revision: " << DC_REVISION << "\n"
            << "protobuf: " << google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION) << "\n"
            << "docker client: " << docker << std::endl;
  return 0;
}

}  // namespace dc::commands
